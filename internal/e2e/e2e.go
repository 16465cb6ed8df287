// Package e2e drives Linli's main user flows in a real headless Chromium. The
// browser comes from LINLI_CHROMIUM (the README test command finds or installs
// it); without it the tests skip loudly, and under CI=true they fail.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"linli/internal/app"
	"linli/internal/dbtest"
	"linli/internal/demo"
	"linli/internal/privacy"
)

// DemoPassword is the password of the demo accounts in browser tests.
const DemoPassword = "Demo-Pass-2026"

// Site is a running demo deployment.
type Site struct {
	App *app.App
	URL string
}

// StartDemo serves a small demo street on SQLite for the test's duration.
func StartDemo(t *testing.T, residents int) *Site {
	t.Helper()
	d := dbtest.SQLite(t, app.Migrations())
	keys, err := privacy.NewKeys(make([]byte, privacy.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Options{DB: d, Keys: keys, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := demo.Setup(context.Background(), a, demo.Options{Password: DemoPassword, Residents: residents, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Web)
	t.Cleanup(srv.Close)
	return &Site{App: a, URL: srv.URL}
}

// Browser starts a headless Chromium and returns a context to drive it.
func Browser(t *testing.T) context.Context {
	t.Helper()
	exe := os.Getenv("LINLI_CHROMIUM")
	if exe == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("LINLI_CHROMIUM is not set: CI must run the browser tests (use the README test command)")
		}
		t.Skip("SKIPPED browser test: LINLI_CHROMIUM is not set (the README test command finds or installs Chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium %s: %v", exe, err)
	}
	return ctx
}

// Step is a browser action that returns nothing.
type Step = chromedp.Action[chromedp.Void]

// Do runs steps, failing the test on the first error.
func Do(t *testing.T, ctx context.Context, steps ...Step) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Text returns the visible text of the first element matching css.
func Text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// Eval evaluates a JavaScript expression.
func Eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// Sel is shorthand for a CSS selector.
func Sel(css string) chromedp.CSS { return chromedp.CSS(css) }

// Login fills the login form and waits for the logged-in header.
func Login(base, user, password string) Step {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(Sel(`input[name=username]`)),
		chromedp.SendKeys(Sel(`input[name=username]`), user),
		chromedp.SendKeys(Sel(`input[name=password]`), password),
		chromedp.Click(Sel(`form[action="/login"] button[type=submit]`)),
		WaitSel(`header.topbar`),
	)
}

// Logout presses the logout button and waits for the login page.
func Logout() Step {
	return chromedp.Steps(
		chromedp.Click(Sel(`form[action="/logout"] button`)),
		WaitSel(`input[name=username]`),
	)
}

// WaitFor waits until the JavaScript expression is true on the current page,
// riding over navigations (which destroy the page's script context mid-poll).
func WaitFor(js string) Step { return WaitForUpTo(js, 20*time.Second) }

// WaitForUpTo is WaitFor with its own time limit.
func WaitForUpTo(js string, limit time.Duration) Step {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(limit)
		for {
			ok, err := chromedp.Evaluate[bool](js)(ctx, t)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("waited %s for %s (last error: %v)", limit, js, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// WaitURL waits until the page's address contains part and the page has loaded.
func WaitURL(part string) Step {
	return WaitFor(`location.href.includes(` + jsString(part) + `) && document.readyState === "complete"`)
}

// WaitSel waits until an element matching css exists on a loaded page.
func WaitSel(css string) Step {
	return WaitFor(`document.readyState === "complete" && document.querySelector(` + jsString(css) + `) !== null`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
