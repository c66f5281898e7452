package airmeet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/config/configopaque"
)

// api is a client of Airmeet's platform API: the auth call that trades the
// access and secret keys for a token (valid 30 days), and the webhook
// calls. Airmeet answers in two shapes: {"statusCode": "2000" | "200", ...}
// and {"success": true, "data": ...}; the token may be at the top level or
// under data. An expired token is answered 412.
type api struct {
	base                 string
	accessKey, secretKey configopaque.String
	client               *http.Client

	mu    sync.Mutex
	token string
}

// errExpired is Airmeet's 412: the token must be traded anew.
var errExpired = errors.New("airmeet: access token expired")

// apiError is an answer Airmeet gave that is not a success.
type apiError struct {
	call   string
	status int
	detail string
}

func (e *apiError) Error() string {
	switch e.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("airmeet %s: the API refused the access key and secret key (%d)", e.call, e.status)
	}
	return fmt.Sprintf("airmeet %s: %d %s", e.call, e.status, e.detail)
}

// auth returns a token, trading the keys for one when there is none.
func (a *api) auth(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" {
		return a.token, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint("/auth", nil), strings.NewReader("{}"))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Airmeet-Access-Key", string(a.accessKey))
	req.Header.Set("X-Airmeet-Secret-Key", string(a.secretKey))
	var body struct {
		Token string `json:"token"`
		Data  struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := a.do(req, "auth", &body); err != nil {
		return "", err
	}
	token := body.Token
	if token == "" {
		token = body.Data.Token
	}
	if token == "" {
		return "", &apiError{call: "auth", status: http.StatusOK, detail: "no token in the answer"}
	}
	a.token = token
	return token, nil
}

// call runs one of the webhook calls, name being its path under
// webhookPath; on 412 it trades the keys for a new token once and tries again.
func (a *api) call(ctx context.Context, name, method string, query url.Values, in, out any) error {
	for attempt := 0; ; attempt++ {
		token, err := a.auth(ctx)
		if err != nil {
			return err
		}
		var body io.Reader = http.NoBody
		if in != nil {
			b, err := json.Marshal(in)
			if err != nil {
				return err
			}
			body = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, a.endpoint(webhookPath+name, query), body)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Airmeet-Access-Token", token)
		// The webhook calls are documented with the keys themselves.
		req.Header.Set("x-access-key", string(a.accessKey))
		req.Header.Set("x-secret-key", string(a.secretKey))
		err = a.do(req, name, out)
		if errors.Is(err, errExpired) && attempt == 0 {
			a.mu.Lock()
			a.token = ""
			a.mu.Unlock()
			continue
		}
		return err
	}
}

// endpoint is the URL of path under the API's base, with query if any.
func (a *api) endpoint(path string, query url.Values) string {
	u := a.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// do sends req and decodes a successful answer into out.
func (a *api) do(req *http.Request, name string, out any) error {
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("airmeet %s: %w", name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("airmeet %s: %w", name, err)
	}
	var status struct {
		StatusCode    json.RawMessage `json:"statusCode"`
		StatusMessage string          `json:"statusMessage"`
	}
	_ = json.Unmarshal(raw, &status) // an answer without these fields is fine
	code := strings.Trim(string(status.StatusCode), `"`)
	switch {
	case resp.StatusCode == http.StatusPreconditionFailed || code == "412":
		return errExpired
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Not the body: Airmeet may echo the registered URL, token and all.
		return &apiError{call: name, status: resp.StatusCode, detail: status.StatusMessage}
	case code != "" && code != "200" && code != "2000":
		return &apiError{call: name, status: resp.StatusCode, detail: "statusCode " + code + " " + status.StatusMessage}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("airmeet %s: unreadable answer: %w", name, err)
	}
	return nil
}

const webhookPath = "/platform-integration/v1/"

// airmeetQuery scopes a webhook call to an Airmeet event; the community's
// calls ("") carry no airmeetId at all.
func airmeetQuery(airmeetID string) url.Values {
	if airmeetID == "" {
		return nil
	}
	return url.Values{"airmeetId": {airmeetID}}
}

// list returns the webhooks registered for an Airmeet event, or ("") for
// the community.
func (a *api) list(ctx context.Context, airmeetID string) ([]webhook, error) {
	var body json.RawMessage
	if err := a.call(ctx, "webhook-list", http.MethodGet, airmeetQuery(airmeetID), nil, &body); err != nil {
		return nil, err
	}
	return parseList(body)
}

// parseList finds the list in the shapes Airmeet answers with: under
// data.webhookDTOList, data, payload, or at the top level.
func parseList(body json.RawMessage) ([]webhook, error) {
	type item struct {
		TriggerMetaInfoID string `json:"triggerMetaInfoId"`
		URL               string `json:"url"`
	}
	var shapes struct {
		Data    json.RawMessage `json:"data"`
		Payload json.RawMessage `json:"payload"`
		List    []item          `json:"webhookDTOList"`
	}
	var items []item
	if json.Unmarshal(body, &items) != nil {
		if err := json.Unmarshal(body, &shapes); err != nil {
			return nil, fmt.Errorf("airmeet webhook-list: unreadable answer: %w", err)
		}
		items = shapes.List
		for _, inner := range []json.RawMessage{shapes.Data, shapes.Payload} {
			if len(inner) == 0 {
				continue
			}
			if json.Unmarshal(inner, &items) == nil {
				break
			}
			var nested struct {
				List []item `json:"webhookDTOList"`
			}
			if json.Unmarshal(inner, &nested) == nil && nested.List != nil {
				items = nested.List
				break
			}
		}
	}
	out := make([]webhook, 0, len(items))
	for _, it := range items {
		out = append(out, webhook{trigger: it.TriggerMetaInfoID, url: it.URL})
	}
	return out, nil
}

// register registers one webhook.
func (a *api) register(ctx context.Context, w webhook, platform string) error {
	body := map[string]string{
		"name":              triggerName(w.trigger),
		"description":       "eventhooks: " + w.trigger,
		"triggerMetaInfoId": w.trigger,
		"url":               w.url,
		"platformName":      platform,
	}
	return a.call(ctx, "webhook-register", http.MethodPost, airmeetQuery(w.airmeetID), body, nil)
}

// deregister removes one webhook.
func (a *api) deregister(ctx context.Context, w webhook) error {
	body := map[string]string{"triggerMetaInfoId": w.trigger, "url": w.url}
	return a.call(ctx, "webhook-deregister", http.MethodDelete, airmeetQuery(w.airmeetID), body, nil)
}

// triggerNames are the labels Airmeet ties to each trigger ("the name field
// is tightly linked to the triggerMetaInfoId").
var triggerNames = map[string]string{
	"trigger.airmeet.created":          "AIRMEET_CREATED",
	"trigger.airmeet.started":          "AIRMEET_STARTED",
	"trigger.airmeet.finished":         "AIRMEET_FINISHED",
	"trigger.airmeet.reminder":         "AIRMEET_REMINDER",
	"trigger.airmeet.registrant.added": "REGISTRANT_ADDED",
	"trigger.airmeet.attendee.joined":  "ATTENDEE_JOINED_EVENT",
	"trigger.session.attendee.joined":  "ATTENDEE_JOINED_SESSION",
	"trigger.airmeet.polls":            "EVENT_POLLS",
	"trigger.airmeet.questions":        "EVENT_QUESTIONS",
	"trigger.attendee.booth.joined":    "BOOTH_ATTENDEE",
}

// triggerName is a trigger's label; for one whose label is not known, its
// id in upper snake case (trigger.attendee.joined_table → ATTENDEE_JOINED_TABLE).
func triggerName(trigger string) string {
	if n, ok := triggerNames[trigger]; ok {
		return n
	}
	return strings.ToUpper(strings.NewReplacer(".", "_").Replace(strings.TrimPrefix(trigger, "trigger.")))
}
