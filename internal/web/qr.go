package web

import (
	"encoding/base64"
	"html/template"

	"rsc.io/qr"
)

// QRDataURL renders text as a QR code PNG in a data: URL (allowed by the CSP),
// so that enrolling an authenticator needs no outside service. It is a
// template.URL: html/template would otherwise replace a data: URL in an img's
// src by "#ZgotmplZ", and the page would show no code.
func QRDataURL(text string) template.URL {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return ""
	}
	c.Scale = 6
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(c.PNG())) //nolint:gosec // a PNG rendered here
}
