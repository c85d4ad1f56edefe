package service

// As returns a copy of the service acting as actor: a front end that
// serves many callers (the verifier's socket and HTTP API) makes one per
// request, so each audit entry names where the request came from
// ("serve/unix uid=1000", "http client web01 127.0.0.1:5000"). The copy
// shares the store; the store bounds and escapes every actor it records.
func (s *Service) As(actor string) *Service {
	c := *s
	c.Actor = actor
	return &c
}
