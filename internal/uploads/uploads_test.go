package uploads

import "testing"

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
