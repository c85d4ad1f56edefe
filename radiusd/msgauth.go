package radiusd

import (
	"crypto/hmac"
	"crypto/md5"

	"layeh.com/radius"
	"layeh.com/radius/rfc2869"
)

// The layeh.com/radius version pinned here has the Message-Authenticator
// attribute (rfc2869) but no function computing it, so it is computed as
// RFC 2869 §5.14 / RFC 3579 §3.2 define it, over the library's own wire
// encoding: HMAC-MD5, keyed by the shared secret, of the whole packet with
// the attribute's value zeroed and, in a response, the request's
// authenticator in place of the response's.

// authenticatorLen is the length of a Message-Authenticator value.
const authenticatorLen = md5.Size

// messageAuthenticator computes the value for p, whose Authenticator field
// must hold the request authenticator (as a request does, and as a
// response made by Packet.Response does until it is encoded).
func messageAuthenticator(p *radius.Packet) ([]byte, error) {
	q := *p
	q.Attributes = make(radius.Attributes, len(p.Attributes))
	for i, avp := range p.Attributes {
		if avp.Type == rfc2869.MessageAuthenticator_Type {
			avp = &radius.AVP{Type: avp.Type, Attribute: make(radius.Attribute, authenticatorLen)}
		}
		q.Attributes[i] = avp
	}
	wire, err := q.MarshalBinary()
	if err != nil {
		return nil, err
	}
	mac := hmac.New(md5.New, p.Secret)
	mac.Write(wire)
	return mac.Sum(nil), nil
}

// authenticatorCheck is what a request's Message-Authenticator says.
type authenticatorCheck int

const (
	authValid authenticatorCheck = iota
	authMissing
	authInvalid // wrong value, wrong length or more than one
)

// checkMessageAuthenticator verifies a request's Message-Authenticator in
// constant time. A wrong value also means a wrong shared secret.
func checkMessageAuthenticator(p *radius.Packet) authenticatorCheck {
	values, _ := rfc2869.MessageAuthenticator_Gets(p)
	switch {
	case len(values) == 0:
		return authMissing
	case len(values) > 1 || len(values[0]) != authenticatorLen:
		return authInvalid
	}
	want, err := messageAuthenticator(p)
	if err != nil || !hmac.Equal(values[0], want) {
		return authInvalid
	}
	return authValid
}

// signResponse puts a Message-Authenticator first in a response made by
// Packet.Response (first, as the BlastRADIUS advisories recommend, so a
// forged prefix cannot precede it).
func signResponse(p *radius.Packet) error {
	p.Attributes.Del(rfc2869.MessageAuthenticator_Type)
	ma := &radius.AVP{Type: rfc2869.MessageAuthenticator_Type, Attribute: make(radius.Attribute, authenticatorLen)}
	p.Attributes = append(radius.Attributes{ma}, p.Attributes...)
	sum, err := messageAuthenticator(p)
	if err != nil {
		return err
	}
	ma.Attribute = sum
	return nil
}
