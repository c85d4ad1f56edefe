package service

import "context"

// sourceKey carries, in a request's context, who asked over the network.
type sourceKey struct{}

// WithSource returns ctx carrying the front end and caller a verification
// came from ("radius client 10.0.0.5 (NAS-Identifier vpn1)", "api client
// billing"). A verifier serving many callers runs as one OS user, so its
// Actor alone cannot tell an auditor which caller asked; the source, when
// set, is recorded as the actor of the audit entry instead. The store
// escapes and bounds it like any actor, so callers may pass what a client
// sent.
func WithSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, sourceKey{}, source)
}

// actorFor names who acts in ctx: its source when one was set, otherwise
// the service's actor.
func (s *Service) actorFor(ctx context.Context) string {
	if src, ok := ctx.Value(sourceKey{}).(string); ok && src != "" {
		return src
	}
	return s.Actor
}
