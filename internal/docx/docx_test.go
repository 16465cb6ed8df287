package docx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() *Document {
	d := New("幸福社区2026年工作计划", "张三")
	d.Created = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d.Heading("幸福社区2026年工作计划")
	d.Number("幸社发〔2026〕1号")
	d.H1("一、指导思想")
	d.Para("坚持以人民为中心，全年开展活动 12 场，参与 340 人次。\n第二段：A<B & \"引号\" 'single' 🎉 结束。")
	d.H2("（一）领导小组")
	d.Table([]string{"职务", "姓名", "单位"}, [][]string{{"组长", "李四", "幸福社区<党委>"}, {"组员", "王五\n赵六", "街道 & 办事处"}}, []int{1, 1, 3})
	d.Line("\x01控制字符被去掉\x1f")
	return d
}

// The package is a zip whose every part is well-formed XML, the parts
// Word needs are there, and text is escaped, not cut.
func TestPackageParsesAndEscapes(t *testing.T) {
	data, err := sample().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	parts := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		parts[f.Name] = string(b)
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s does not parse: %v", f.Name, err)
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/settings.xml",
		"word/footer1.xml", "word/_rels/document.xml.rels", "docProps/core.xml", "docProps/app.xml"} {
		if _, ok := parts[name]; !ok {
			t.Errorf("part %s missing", name)
		}
	}
	text := documentText(t, parts["word/document.xml"])
	for _, want := range []string{"幸福社区2026年工作计划", "幸社发〔2026〕1号", "第二段：A<B & \"引号\" 'single' 🎉 结束。", "幸福社区<党委>", "街道 & 办事处", "控制字符被去掉"} {
		if !strings.Contains(text, want) {
			t.Errorf("document text lacks %q:\n%s", want, text)
		}
	}
	doc := parts["word/document.xml"]
	for _, want := range []string{`w:w="11906"`, `w:h="16838"`, `w:top="2098"`, `w:bottom="1984"`, `w:left="1587"`, `w:right="1474"`, `r:id="rIdFooter1"`, `<w:tblHeader/>`} {
		if !strings.Contains(doc, want) {
			t.Errorf("document.xml lacks %s", want)
		}
	}
	if !strings.Contains(parts["word/footer1.xml"], "PAGE") {
		t.Error("the footer has no page number field")
	}
	for _, f := range []string{FontTitle, FontBody, FontHeading} {
		if !strings.Contains(parts["word/styles.xml"], `w:eastAsia="`+f+`"`) {
			t.Errorf("styles lack the eastAsia font %s", f)
		}
	}
	if !strings.Contains(parts["docProps/core.xml"], "<dc:creator>张三</dc:creator>") {
		t.Errorf("core properties: %s", parts["docProps/core.xml"])
	}
}

// documentText is the text of every w:t, paragraphs on lines.
func documentText(t *testing.T, doc string) string {
	var b strings.Builder
	dec := xml.NewDecoder(strings.NewReader(doc))
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			inText = v.Name.Local == "t"
		case xml.EndElement:
			inText = false
			if v.Name.Local == "p" {
				b.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				b.Write(v)
			}
		}
	}
	return b.String()
}

// LibreOffice opens the document: it converts to text holding the title
// and a body sentence, and to PDF.
func TestLibreOfficeOpensIt(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("SKIPPED: soffice not on the PATH; install LibreOffice Writer (apt-get install -y libreoffice-writer-nogui) to check the .docx opens")
	}
	// Calc alone converts no .docx: Writer is its own package.
	if writer, _ := filepath.Glob("/usr/lib/libreoffice/program/libsw*.so"); len(writer) == 0 {
		t.Skip("SKIPPED: LibreOffice has no Writer here; install it (apt-get install -y libreoffice-writer-nogui) to check the .docx opens")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "plan.docx")
	data, err := sample().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	profile := "file://" + filepath.Join(dir, "profile")
	for _, to := range []string{"txt:Text", "pdf"} {
		cmd := exec.Command(soffice, "--headless", "-env:UserInstallation="+profile, "--convert-to", to, "--outdir", dir, src)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("soffice --convert-to %s: %v\n%s", to, err, out)
		}
	}
	txt, err := os.ReadFile(filepath.Join(dir, "plan.txt"))
	if err != nil {
		t.Fatalf("no text out: %v", err)
	}
	for _, want := range []string{"幸福社区2026年工作计划", "全年开展活动 12 场，参与 340 人次", "A<B & \"引号\"", "街道 & 办事处"} {
		if !strings.Contains(string(txt), want) {
			t.Errorf("LibreOffice's text lacks %q:\n%s", want, txt)
		}
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "plan.pdf"))
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("no PDF out: %v", err)
	}
}
