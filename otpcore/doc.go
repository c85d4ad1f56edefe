// Package otpcore is the pure mathematics of one-time passwords: HOTP
// (RFC 4226) and TOTP (RFC 6238) code generation, key parsing, otpauth://
// URIs, window verification and resynchronisation searches.
//
// Nothing here performs I/O or reads the clock: time is always a parameter,
// so every rule can be tested at any instant and benchmarks are
// deterministic. Verification reports what matched (the step or counter and
// its offset), because drift tracking, replay floors and resync all need it.
package otpcore
