package devices

import (
	"fmt"
	"time"
)

// DriftWarnAfter is how far a token's clock may be from ours before every
// front end warns that the clock (or the codes typed) are likely wrong.
// A quartz crystal drifts by tens of ppm, some ten minutes a year at the
// worst, so a token stays well inside an hour over its battery life; a
// clock set in the wrong time zone, left on summer time, or never set at
// the factory is off by at least an hour. An hour exactly counts: that
// is the summer-time mistake.
const DriftWarnAfter = time.Hour

// DriftWords says how far a clock is from ours in human units, at most two
// of them: "on time", "30 s ahead", "3 min 30 s ahead", "2 h 5 min behind",
// "1 day 3 h ahead", "200 days ahead". Every front end shows TOTP drift
// through it, so the CLI and the console read the same.
func DriftWords(steps, stepSeconds int64) string {
	secs := steps * stepSeconds
	if secs == 0 {
		return "on time"
	}
	dir := "ahead"
	if secs < 0 {
		dir, secs = "behind", -secs
	}
	return spanWords(secs) + " " + dir
}

// DriftSteps is DriftWords with the steps an administrator sets
// tolerances in: "3 min 30 s ahead (+7 steps)", or "on time".
func DriftSteps(steps, stepSeconds int64) string {
	if steps == 0 {
		return "on time"
	}
	unit := "steps"
	if steps == 1 || steps == -1 {
		unit = "step"
	}
	return fmt.Sprintf("%s (%+d %s)", DriftWords(steps, stepSeconds), steps, unit)
}

// DriftSuspicious reports a drift of at least DriftWarnAfter.
func DriftSuspicious(steps, stepSeconds int64) bool {
	secs := steps * stepSeconds
	return secs >= int64(DriftWarnAfter/time.Second) || -secs >= int64(DriftWarnAfter/time.Second)
}

// DriftWarning is the sentence shown beside a suspicious drift, or "".
func DriftWarning(steps, stepSeconds int64) string {
	if !DriftSuspicious(steps, stepSeconds) {
		return ""
	}
	return fmt.Sprintf("the token's clock is %s: more than a crystal drifts in years, so its clock is likely set wrong (time zone, summer time) or the codes are not from this token",
		DriftWords(steps, stepSeconds))
}

// spanWords writes a positive number of seconds in its largest two units.
func spanWords(secs int64) string {
	const minute, hour, day = 60, 3600, 86400
	two := func(a int64, ua string, b int64, ub string) string {
		if b == 0 {
			return fmt.Sprintf("%d %s", a, ua)
		}
		return fmt.Sprintf("%d %s %d %s", a, ua, b, ub)
	}
	switch {
	case secs < minute:
		return fmt.Sprintf("%d s", secs)
	case secs < hour:
		return two(secs/minute, "min", secs%minute, "s")
	case secs < day:
		return two(secs/hour, "h", secs%hour/minute, "min")
	case secs < 10*day:
		days := "days"
		if secs/day == 1 {
			days = "day"
		}
		return two(secs/day, days, secs%day/hour, "h")
	}
	return fmt.Sprintf("%d days", secs/day)
}
