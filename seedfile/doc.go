// Package seedfile reads and writes the files in which hardware-token
// vendors and peer systems hand over OTP seeds:
//
//   - the Microsoft Entra ("Azure MFA") hardware OATH CSV that Token2 and
//     others ship (upn, serial number, secret key, time interval,
//     manufacturer, model; base32 secrets);
//   - the privacyIDEA / LinOTP "OATH CSV" (serial, hex seed, type, digits,
//     step or counter, optional hash), including privacyIDEA's
//     "# version: 2" form with user, resolver and realm columns;
//   - PSKC, RFC 6030, with plaintext secrets or secrets encrypted with
//     AES-CBC under a pre-shared key or a PBKDF2 password-derived key, and
//     the HMAC over each encrypted value checked when present;
//   - lists of otpauth:// URIs, one a line;
//   - this project's own CSV (see WriteCSV), which round-trips every field.
//
// Parse detects the format from the content unless Options.Format names
// one. WritePSKC and WriteCSV write files that Parse reads back into
// exactly the same tokens.
//
// The package is pure: no database, no terminal, no file system; it reads
// the io.Reader and writes the io.Writer it is given.
//
// Errors never contain a secret or any part of one. They name where the
// problem is (a line of a CSV or URI list, a KeyPackage of a PSKC file) and
// what it is, and they never quote the content of a CSV field, because a
// column shifted by one turns any field into the seed.
package seedfile
