//go:build !race

package otpcore_test

const raceEnabled = false
