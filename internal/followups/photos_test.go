package followups_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"linli/internal/apptest"
	"linli/internal/auth"
	"linli/internal/followups"
)

// testImage is a small real photo in format "jpeg" or "png".
func testImage(t *testing.T, format string, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		for y := 0; y < 30; y++ {
			img.Set(x, y, color.RGBA{shade, uint8(x * 6), uint8(y * 8), 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type upload struct {
	name string
	data []byte
}

// postRecordForm sends the record form as a phone's browser does: multipart,
// the photos as "photos".
func postRecordForm(t *testing.T, c *apptest.Client, path string, fields map[string]string, photos []upload) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", c.CSRF)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for _, p := range photos {
		fw, err := mw.CreateFormFile("photos", p.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(p.data)
	}
	_ = mw.Close()
	return c.Do("POST", path, &buf, mw.FormDataContentType())
}

func photoCount(t *testing.T, w *apptest.World, duty int64, note string) int {
	t.Helper()
	var n int
	if err := w.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fu_record_photo p JOIN fu_record r ON r.community_id = p.community_id AND r.id = p.record_id
		WHERE r.duty_id = ? AND r.note = ?`, duty, note).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func recordID(t *testing.T, w *apptest.World, duty int64, note string) int64 {
	t.Helper()
	var id int64
	if err := w.DB.QueryRowContext(context.Background(), `SELECT id FROM fu_record WHERE duty_id = ? AND note = ?`, duty, note).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// A grid worker takes photos with the record form: they are kept with the
// record, shown as thumbnails on the duty page and served with the type read
// from their bytes; a second sending of the form stores no second set; a file
// that is no photo, a seventh photo or one too big refuses the whole record,
// naming 照片 and which one.
func TestRecordPhotosThroughTheForm(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		later(w, 70)
		srv := w.Server(t)
		gw := apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password)
		duty := dutyOf(t, w, "重点对象走访", w.Objects["person"][apptest.InA])
		path := fmt.Sprintf("/followups/duties/%d/record", duty.ID)
		form := page(t, gw, path, 200, `enctype="multipart/form-data"`, `type="file" name="photos" accept="image/*" multiple`)
		key := keyRe.FindStringSubmatch(form)[1]

		jpg, pngData := testImage(t, "jpeg", 10), testImage(t, "png", 200)
		allPhotos := func() int {
			var n int
			if err := w.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fu_record_photo`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := allPhotos()
		refused := func(what string, photos []upload, want ...string) {
			t.Helper()
			note := "照片被拒-" + what
			resp, body := postRecordForm(t, gw, path, map[string]string{"key": "k-" + what, "way": "home", "note": note}, photos)
			if resp.StatusCode != 422 {
				t.Fatalf("%s: %d, want 422", what, resp.StatusCode)
			}
			for _, s := range want {
				if !strings.Contains(body, s) {
					t.Fatalf("%s: the answer lacks %q\n%.1500s", what, s, body)
				}
			}
			if n := records(t, w, duty.ID, note); n != 0 {
				t.Fatalf("%s: %d records saved", what, n)
			}
		}
		refused("type", []upload{{"门口.jpg", jpg}, {"说明.jpg", []byte("<html><script>alert(1)</script>")}}, "第 2 张照片“说明.jpg”不是 JPEG、PNG 或 WebP 图片")
		refused("gif", []upload{{"a.gif", []byte("GIF89a\x01\x00\x01\x00")}}, "第 1 张照片“a.gif”不是")
		seven := make([]upload, 7)
		for i := range seven {
			seven[i] = upload{fmt.Sprintf("%d.jpg", i), jpg}
		}
		refused("count", seven, "照片最多 6 张")
		big := append(append([]byte{}, jpg...), make([]byte, followups.MaxPhotoBytes)...)
		refused("size", []upload{{"大图.jpg", big}}, "第 1 张照片“大图.jpg”太大")
		if n := allPhotos(); n != before {
			t.Fatalf("refused records left %d photos", n-before)
		}

		// Two photos, sent twice with the same key: one record, two photos.
		note := "楼道门口拍照"
		for i := 0; i < 2; i++ {
			resp, body := postRecordForm(t, gw, path, map[string]string{"key": key, "way": "home", "note": note}, []upload{{"门口.jpg", jpg}, {"楼道.png", pngData}})
			if resp.StatusCode != 303 {
				t.Fatalf("sending %d: %d\n%.800s", i+1, resp.StatusCode, body)
			}
		}
		if n, p := records(t, w, duty.ID, note), photoCount(t, w, duty.ID, note); n != 1 || p != 2 {
			t.Fatalf("a form with two photos sent twice: %d records, %d photos", n, p)
		}
		rec := recordID(t, w, duty.ID, note)
		one, two := fmt.Sprintf("/followups/records/%d/photos/1", rec), fmt.Sprintf("/followups/records/%d/photos/2", rec)
		page(t, gw, fmt.Sprintf("/followups/duties/%d", duty.ID), 200, `<img src="`+one+`"`, `<img src="`+two+`"`)
		for _, c := range []struct {
			path, ct string
			data     []byte
		}{{one, "image/jpeg", jpg}, {two, "image/png", pngData}} {
			resp, body := gw.Get(c.path)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.ct || body != string(c.data) ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "private, max-age=86400" {
				t.Fatalf("GET %s: %d %v", c.path, resp.StatusCode, resp.Header)
			}
		}
		page(t, gw, fmt.Sprintf("/followups/records/%d/photos/3", rec), 404)
		page(t, gw, fmt.Sprintf("/followups/records/%d/photos/x", rec), 404)
		// Out of scope: another community's leader.
		other := apptest.NewClient(t, srv.URL).Login("community_admin_c2", apptest.Password)
		page(t, other, one, 404)
	})
}

// A photo of a record of a sensitive group (帮教) is served only to those who
// may see the group's records: the grid worker of the grid gets 404.
func TestSensitiveRecordPhotoIsNotFound(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		ctx := context.Background()
		duty := w.Objects["fu_duty_sensitive"][apptest.InA]
		id, _, err := w.App.Followups.CreateRecord(ctx, auth.System("test"), followups.RecordInput{DutyID: duty, Way: "office", Note: "帮教谈话拍照",
			HappenedAt: time.Now().Add(-time.Minute), Photos: []followups.Photo{{Name: "a.jpg", Data: testImage(t, "jpeg", 90)}}})
		if err != nil {
			t.Fatal(err)
		}
		srv := w.Server(t)
		photo := fmt.Sprintf("/followups/records/%d/photos/1", id)
		page(t, apptest.NewClient(t, srv.URL).Login("community_admin", apptest.Password), photo, 200)
		page(t, apptest.NewClient(t, srv.URL).Login("grid_worker", apptest.Password), photo, 404)
		page(t, apptest.NewClient(t, srv.URL).Login("social_worker", apptest.Password), photo, 404)
	})
}

// The pinned record API takes photos in base64 beside the record: kept once
// however often the queue sends the same key, listed as addresses with the
// record; bad ones refuse the record naming 照片.
func TestRecordPhotosThroughTheAPI(t *testing.T) {
	apptest.Run(t, func(t *testing.T, w *apptest.World) {
		later(w, 70)
		srv := w.Server(t)
		gw := login(t, srv.URL, "grid_worker")
		duty := w.Objects["fu_duty"][apptest.InA]
		b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
		jpg := testImage(t, "jpeg", 40)
		body := func(note string, photos ...string) string {
			ps := make([]string, len(photos))
			for i, p := range photos {
				ps[i] = fmt.Sprintf(`{"name":"p%d.jpg","data":%q}`, i+1, p)
			}
			return fmt.Sprintf(`{"duty_id":%d,"way":"home","note":%q,"photos":[%s]}`, duty, note, strings.Join(ps, ","))
		}
		for _, c := range []struct {
			what, body, want string
		}{
			{"not base64", body("坏照片1", b64(jpg), "!!!不是base64"), "第 2 张照片“p2.jpg”的数据无法读取"},
			{"not a photo", body("坏照片2", b64([]byte("%PDF-1.7 hello"))), "第 1 张照片“p1.jpg”不是 JPEG、PNG 或 WebP 图片"},
			{"too many", body("坏照片3", b64(jpg), b64(jpg), b64(jpg), b64(jpg), b64(jpg), b64(jpg), b64(jpg)), "照片最多 6 张"},
			{"too big", body("坏照片4", b64(append(append([]byte{}, jpg...), make([]byte, followups.MaxPhotoBytes)...))), "第 1 张照片“p1.jpg”太大"},
		} {
			status, out := gw.do("POST", "/api/v1/followups/records", c.body, map[string]string{"Idempotency-Key": "bad-" + c.what})
			if status != 422 || !strings.Contains(out, c.want) || !strings.Contains(out, `"photos"`) {
				t.Fatalf("%s: %d %s", c.what, status, out)
			}
		}
		var n int
		if err := w.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fu_record WHERE note LIKE '坏照片%'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("refused records saved: %d (%v)", n, err)
		}

		key := map[string]string{"Idempotency-Key": "queue-photo-1"}
		first, out := gw.do("POST", "/api/v1/followups/records", body("带照片的走访", b64(jpg)), key)
		again, out2 := gw.do("POST", "/api/v1/followups/records", body("带照片的走访", b64(jpg)), key)
		if first != 201 || again != 201 || out != out2 {
			t.Fatalf("sent twice: %d %s, %d %s", first, out, again, out2)
		}
		var res, bare struct{ ID int64 }
		_ = json.Unmarshal([]byte(out), &res)
		status, out := gw.do("POST", "/api/v1/followups/records", fmt.Sprintf(`{"duty_id":%d,"way":"phone","note":"没拍照"}`, duty), map[string]string{"Idempotency-Key": "queue-bare"})
		if status != 201 || json.Unmarshal([]byte(out), &bare) != nil {
			t.Fatalf("a record without photos: %d %s", status, out)
		}
		if p := photoCount(t, w, duty, "带照片的走访"); p != 1 {
			t.Fatalf("a record with one photo sent twice keeps %d photos", p)
		}
		var list struct {
			Items []struct {
				ID     int64    `json:"id"`
				Photos []string `json:"photos"`
			}
		}
		if err := json.Unmarshal([]byte(gw.get(fmt.Sprintf("/api/v1/followups/records?duty_id=%d", duty), 200)), &list); err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, it := range list.Items {
			switch it.ID {
			case res.ID:
				found++
				if len(it.Photos) != 1 || it.Photos[0] != fmt.Sprintf("/followups/records/%d/photos/1", res.ID) {
					t.Fatalf("the record's photos: %v", it.Photos)
				}
			case bare.ID:
				found++
				if it.Photos == nil || len(it.Photos) != 0 {
					t.Fatalf("a record without photos lists %v", it.Photos)
				}
			}
		}
		if found != 2 {
			t.Fatal("the records are not listed")
		}
		status, got := gw.do("GET", fmt.Sprintf("/followups/records/%d/photos/1", res.ID), "", nil)
		if status != 200 || got != string(jpg) {
			t.Fatalf("the photo through the API's token: %d", status)
		}
	})
}
