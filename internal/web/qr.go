package web

import (
	"encoding/base64"

	"rsc.io/qr"
)

// QRDataURL renders text as a QR code PNG in a data: URL (allowed by the CSP),
// so that enrolling an authenticator needs no outside service.
func QRDataURL(text string) string {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return ""
	}
	c.Scale = 6
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(c.PNG())
}
