package verifier

import "context"

// auditSource is what the audit log records as the actor of a request: the
// source the verifier established itself (peer uid, API client), then what
// the caller says about the login it asks for (VerifyRequest.Via), marked
// as the caller's claim. The store bounds and escapes every actor.
func auditSource(ctx context.Context, req VerifyRequest) string {
	source := callerOf(ctx).Source
	if req.Via != "" {
		source += " via " + req.Via
	}
	return source
}
