// Package nfc programs second-generation single-profile Token2 TOTP tokens
// (OTPC-P1-i, OTPC-P2-i, miniOTP-2-i, miniOTP-3-i, C301-i, C302-i) over any
// transport that carries ISO 7816 APDUs, usually a PC/SC NFC reader (see
// nfc/pcsc).
//
// The protocol half (apdu.go, response.go, crypto.go, models.go) is pure:
// it builds commands and parses answers without I/O, so it is tested against
// known-answer vectors and fuzzed. Programmer (programmer.go) runs a session
// over a Transport: info, authentication with the public SM4 device key,
// configuration and clock, then the seed.
//
// Safety rules the package enforces, because a token cannot be read back
// and older firmware locks for good after failed authentications:
//   - a token whose serial prefix names no known model is refused before
//     anything is written (the vendor warns that the wrong model's commands
//     can damage a token);
//   - authentication is retried automatically at most once, and a
//     Programmer never makes more than MaxAuthFailures failed attempts;
//   - the seed never appears in an error, and every copy this package makes
//     is wiped once it has been sent.
package nfc
