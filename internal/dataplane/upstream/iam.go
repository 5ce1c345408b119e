package upstream

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"gatehouse/internal/sigv4"
)

// Secret returns the secret access key of a known access key id.
type Secret func(accessKeyID string) (secret string, ok bool)

// Keys is the Secret of a fixed set of access keys (id -> secret); nil when
// there are none, and then every signature names an unknown key.
func Keys(keys map[string]string) Secret {
	if len(keys) == 0 {
		return nil
	}
	return func(id string) (string, bool) { s, ok := keys[id]; return s, ok }
}

// SignedBy checks, for a route or method whose authorizationType is
// AWS_IAM, that r is signed with SigV4 for execute-api by a known key. A
// signature that covers the body makes the body be read first: it is
// bounded by limit (ErrTooLarge past it) and by deadline, so a caller
// cannot hold the request by stalling, and is put back on r for the
// integration. The error is a *sigv4.Error with AWS's code and message,
// ErrTooLarge, or why the body could not be read.
func SignedBy(w http.ResponseWriter, r *http.Request, secret Secret, limit int64, deadline time.Time) error {
	_, err := SignedByKey(w, r, secret, limit, deadline)
	return err
}

// SignedByKey is SignedBy that also returns the access key id that signed
// r, for the caller's identity.
func SignedByKey(w http.ResponseWriter, r *http.Request, secret Secret, limit int64, deadline time.Time) (string, error) {
	if r.Body != nil && r.Body != http.NoBody {
		http.NewResponseController(w).SetReadDeadline(deadline)
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	if secret == nil {
		secret = func(string) (string, bool) { return "", false }
	}
	// Signatures are made by real clocks: the skew is measured against
	// the wall clock, whatever clock drives the model.
	cred, err := sigv4.Verifier{Secret: secret, Service: "execute-api"}.Verify(r, time.Now())
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return "", ErrTooLarge
	}
	if err != nil {
		return "", err
	}
	return cred.AccessKeyID, nil
}

// JSONMessage is the body {"message":"..."} with msg escaped as a JSON
// string: signature messages quote what the caller sent.
func JSONMessage(msg string) string {
	b, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})
	return string(b)
}
