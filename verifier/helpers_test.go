package verifier_test

import (
	"errors"
	"strconv"

	"github.com/two-factor/two-factor/verifier"
)

func itoa(n int) string { return strconv.Itoa(n) }

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func isUnavailable(err error) bool { return errors.Is(err, verifier.ErrUnavailable) }
