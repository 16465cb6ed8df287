package web

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A Citus worker that is down: the user is told the operation did not happen
// and to try again (503), not "internal error".
func TestClassifyUnavailableNode(t *testing.T) {
	for _, msg := range []string{
		"ERROR: connection to the remote node 127.0.0.1:43421 failed with the following error: Connection refused (SQLSTATE 08001)",
		"ERROR: failure on connection marked as essential: 127.0.0.1:43421 (SQLSTATE XX000)",
	} {
		info := Classify(fmt.Errorf("create case: %w", errors.New(msg)))
		if info.Status != 503 || info.Code != "busy" || !strings.Contains(info.Message, "请稍后再试") {
			t.Errorf("%s: %+v", msg, info)
		}
	}
	if info := Classify(errors.New("something else")); info.Status != 500 {
		t.Errorf("an unknown error: %+v", info)
	}
}
