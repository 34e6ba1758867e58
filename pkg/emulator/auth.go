package emulator

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/nbfleet/nbfleet/internal/sdkhmac"
)

type token struct {
	project string
	user    string
	expires time.Time
}

type akState struct {
	fails       int
	lockedUntil time.Time
}

func authError(msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: codeAuth, Msg: "Incorrect IAM authentication information: " + msg}
}

// authenticate checks the token or signature of c and that it may act on
// c.project. Auth "none" skips everything.
func (s *Server) authenticate(c *call) *apiError {
	if s.opts.Auth == AuthNone {
		return nil
	}
	r := c.r
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		s.mu.Lock()
		t := s.tokens[tok]
		s.mu.Unlock()
		switch {
		case t == nil:
			return authError("decrypt token fail")
		case !c.now.Before(t.expires):
			return authError("token expires")
		case c.project != "" && t.project != c.project:
			// A token of another project: 404 ModelArts.2786 (rule 6).
			return &apiError{Status: http.StatusNotFound, Code: codeWrongProject, Msg: "The project id in the URL does not match the project of the token: " + c.project}
		}
		c.principal = "user:" + t.user
		return nil
	}
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return authError("no X-Auth-Token or Authorization header")
	}
	a, err := sdkhmac.ParseAuthorization(authz)
	if err != nil {
		return authError("verify aksk signature fail: " + err.Error())
	}
	s.mu.Lock()
	st := s.aks[a.AccessKey]
	if st == nil {
		st = &akState{}
		s.aks[a.AccessKey] = st
	}
	locked := c.now.Before(st.lockedUntil)
	s.mu.Unlock()
	if locked {
		return authError("verify aksk signature fail: the access key is locked for 5 minutes after 5 consecutive failures")
	}
	_, err = sdkhmac.Verify(r, c.body, func(ak string) (string, bool) {
		sk, ok := s.opts.AccessKeys[ak]
		return sk, ok
	}, c.now, SignatureSkew)
	s.mu.Lock()
	if err != nil {
		st.fails++
		if st.fails >= LockoutFailures {
			st.fails = 0
			st.lockedUntil = c.now.Add(LockoutTime)
		}
	} else {
		st.fails = 0
	}
	s.mu.Unlock()
	if err != nil {
		msg := "verify aksk signature fail"
		switch {
		case errors.Is(err, sdkhmac.ErrClockSkew):
			msg += ": X-Sdk-Date is more than 15 minutes from the server time"
		case errors.Is(err, sdkhmac.ErrUnknownKey):
			msg += ": unknown access key"
		case errors.Is(err, sdkhmac.ErrBadDate), errors.Is(err, sdkhmac.ErrDateNotSign):
			msg += ": " + err.Error()
		}
		return authError(msg)
	}
	if pid := r.Header.Get("X-Project-Id"); pid != "" && c.project != "" && pid != c.project {
		return &apiError{Status: http.StatusForbidden, Code: codeNoPermission, Msg: "X-Project-Id does not match the project in the path"}
	}
	c.principal = "ak:" + a.AccessKey
	return nil
}

// iamError answers in IAM's own error shape: {"error":{"code","message","title"}}.
type iamError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Title   string `json:"title"`
	} `json:"error"`
}

func newIAMError(status int, msg string) iamError {
	var e iamError
	e.Error.Code, e.Error.Message, e.Error.Title = status, msg, http.StatusText(status)
	return e
}

type nameOrID struct {
	Name   string    `json:"name"`
	ID     string    `json:"id"`
	Domain *nameOrID `json:"domain"`
}

type tokenReq struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					Name     string    `json:"name"`
					Password string    `json:"password"`
					Domain   *nameOrID `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope struct {
			Project *nameOrID `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

const iamTimeFormat = "2006-01-02T15:04:05.000000Z"

// issueToken is POST /v3/auth/tokens with the password method.
func (s *Server) issueToken(c *call) (int, any, *apiError) {
	var req tokenReq
	if err := json.Unmarshal(c.body, &req); err != nil {
		return 400, newIAMError(400, "The request body is not valid JSON."), nil
	}
	id := req.Auth.Identity
	if len(id.Methods) != 1 || id.Methods[0] != "password" {
		return 400, newIAMError(400, "Only the password method is supported by the emulator."), nil
	}
	u := id.Password.User
	var user *User
	for i := range s.opts.Users {
		cand := &s.opts.Users[i]
		if cand.Name == u.Name && cand.Password == u.Password && u.Domain != nil &&
			(u.Domain.Name == cand.Domain || u.Domain.ID == domainID(cand.Domain)) {
			user = cand
		}
	}
	if user == nil {
		return 401, newIAMError(401, "The username or password is wrong."), nil
	}
	sp := req.Auth.Scope.Project
	if sp == nil || sp.Name == "" && sp.ID == "" {
		return 400, newIAMError(400, "The emulator issues project-scoped tokens only: set auth.scope.project.name or id."), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var p *project
	for _, cand := range s.projects {
		if sp.ID != "" && cand.id == sp.ID || sp.ID == "" && cand.name == sp.Name {
			p = cand
		}
	}
	if p == nil {
		return 401, newIAMError(401, "The project does not exist or the user has no access to it."), nil
	}
	var raw [32]byte
	s.randLocked(raw[:])
	tok := "MIIEmulator" + hex.EncodeToString(raw[:])
	exp := c.now.Add(s.opts.TokenTTL)
	s.tokens[tok] = &token{project: p.id, user: user.Name, expires: exp}
	c.header.Set("X-Subject-Token", tok)
	dom := map[string]string{"id": domainID(user.Domain), "name": user.Domain}
	return http.StatusCreated, map[string]any{"token": map[string]any{
		"expires_at": exp.UTC().Format(iamTimeFormat),
		"issued_at":  c.now.UTC().Format(iamTimeFormat),
		"methods":    []string{"password"},
		"project":    map[string]any{"id": p.id, "name": p.name, "domain": dom},
		"user":       map[string]any{"id": domainID("user-" + user.Name), "name": user.Name, "domain": dom},
		"catalog":    []any{},
	}}, nil
}

// domainID derives a stable fake 32-hex id from a name.
func domainID(name string) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return strings.Repeat(hex.EncodeToString([]byte{byte(h >> 56), byte(h >> 48), byte(h >> 40), byte(h >> 32)}), 4)
}

// listProjects is GET /v3/projects?name=.
func (s *Server) listProjects(c *call) (int, any, *apiError) {
	name := c.r.URL.Query().Get("name")
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, id := range sortedKeys(s.projects) {
		p := s.projects[id]
		if name != "" && p.name != name {
			continue
		}
		out = append(out, map[string]any{"id": p.id, "name": p.name, "enabled": true,
			"domain_id": domainID(DefaultDomain), "is_domain": false, "parent_id": domainID(DefaultDomain)})
	}
	return 200, map[string]any{"projects": out, "links": map[string]any{"self": "/v3/projects"}}, nil
}
