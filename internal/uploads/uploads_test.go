package uploads

import (
	"strings"
	"testing"

	"linli/internal/i18n"
)

func TestSniffImage(t *testing.T) {
	for _, c := range []struct {
		in      string
		ct, ext string
	}{
		{"\xFF\xD8\xFF\xE0rest", "image/jpeg", ".jpg"},
		{"\x89PNG\r\n\x1a\nrest", "image/png", ".png"},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", ".webp"},
		{"RIFF\x00\x00\x00\x00WAVE", "", ""},
		{"GIF89a", "", ""},
		{"<html><script>", "", ""},
		{"%PDF-1.7", "", ""},
		{"", "", ""},
	} {
		ct, ext := SniffImage([]byte(c.in))
		if ct != c.ct || ext != c.ext {
			t.Errorf("SniffImage(%q) = %q, %q; want %q, %q", c.in, ct, ext, c.ct, c.ext)
		}
	}
}

func TestSniff(t *testing.T) {
	for data, want := range map[string]string{"\xff\xd8\xff\xe0": "image/jpeg", "%PDF-1.7": "application/pdf", "GIF89a": "image/gif",
		"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1": "application/octet-stream", "PK\x03\x04broken": "", "<svg": "", "MZ": "", "": ""} {
		if got, _ := Sniff([]byte(data)); got != want {
			t.Errorf("Sniff(%q) = %q, want %q", data, got, want)
		}
	}
}

// Check names each refused file by its place and name, keeps the others with
// the extension of their real type, and refuses too many files at once.
func TestCheck(t *testing.T) {
	jpg := []byte("\xFF\xD8\xFF\xE0photo")
	pdf := []byte("%PDF-1.7 doc")
	var errs i18n.Errors
	got := Check(&errs, []File{{"门口.png", jpg}, {"说明.pdf", pdf}, {"空.jpg", nil}, {"大.jpg", append(append([]byte{}, jpg...), make([]byte, 64)...)}, {"a/b\\坏\".jpg", []byte("<html>")}},
		Rules{Field: "photos", Max: 9, MaxBytes: 32, PhotosOnly: true})
	if len(got) != 1 || got[0].Name != "门口.jpg" || got[0].ContentType != "image/jpeg" {
		t.Fatalf("checked %+v", got)
	}
	want := []string{"第 2 张照片“说明.pdf”不是 JPEG、PNG 或 WebP 图片", "第 3 张照片“空.jpg”是空文件", "第 4 张照片“大.jpg”太大（每张上限 32 B）", "第 5 张照片“坏.jpg”不是 JPEG、PNG 或 WebP 图片"}
	if msgs := strings.Join(want, "；"); errs.Error() != msgs {
		t.Fatalf("messages %q, want %q", errs.Error(), msgs)
	}

	errs = i18n.Errors{}
	got = Check(&errs, []File{{"说明", pdf}, {"照片.JPG", jpg}}, Rules{Field: "files", Max: 9, MaxBytes: 1 << 20})
	if len(got) != 2 || got[0].Name != "说明.pdf" || got[1].Name != "照片.JPG" || errs.Any() {
		t.Fatalf("documents %+v, %v", got, errs.Error())
	}
	errs = i18n.Errors{}
	if got := Check(&errs, make([]File, 3), Rules{Field: "files", Max: 2, MaxBytes: 1}); got != nil || errs.Error() != "一次最多上传 2 个文件" {
		t.Fatalf("too many: %v", errs.Error())
	}
}
