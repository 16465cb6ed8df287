// Package uploads recognises uploaded files from their bytes, never from
// their names or the browser's word, for every module that takes photos.
package uploads

import "bytes"

// SniffImage recognises a JPEG, PNG or WebP photo from its first bytes and
// returns its content type and file extension; anything else is "", "".
func SniffImage(b []byte) (contentType, ext string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", ".jpg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", ".png"
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "image/webp", ".webp"
	}
	return "", ""
}
