package airmeet

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// fakeAPI is Airmeet's platform API as its documentation describes it:
// POST /prod/auth trades X-Airmeet-Access-Key and X-Airmeet-Secret-Key for a
// token (at the top level or under data), the webhook calls take the token in
// X-Airmeet-Access-Token and the keys in x-access-key / x-secret-key, answer
// {"statusCode": "2000" | "200", ...}, and 412 an expired token.
type fakeAPI struct {
	mu          sync.Mutex
	tokenInData bool   // the token under data, not at the top level
	statusCode  string // "2000" or "200"
	refuseAuth  int    // 401 or 403 to refuse the keys
	expire      int    // answer this many webhook calls 412
	fail        int    // answer this many calls 500
	issued      map[string]bool
	hooks       map[webhook]bool
	calls       map[string]int
}

const (
	accessKey = "ak_test_0123456789"
	secretKey = "sk_test_9876543210"
)

func newFakeAPI(t *testing.T) (*fakeAPI, *httptest.Server) {
	f := &fakeAPI{statusCode: "2000", issued: map[string]bool{}, hooks: map[webhook]bool{}, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name := strings.TrimPrefix(r.URL.Path, "/prod/platform-integration/v1/")
	f.calls[name]++
	if f.fail > 0 {
		f.fail--
		http.Error(w, `{"statusCode":"500","statusMessage":"INTERNAL_ERROR"}`, http.StatusInternalServerError)
		return
	}
	if r.URL.Path == "/prod/auth" {
		f.auth(w, r)
		return
	}
	if r.Header.Get("x-access-key") != accessKey || r.Header.Get("x-secret-key") != secretKey || !f.issued[r.Header.Get("X-Airmeet-Access-Token")] {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if f.expire > 0 {
		f.expire--
		w.WriteHeader(http.StatusPreconditionFailed)
		return
	}
	airmeetID := r.URL.Query().Get("airmeetId")
	switch {
	case name == "webhook-list" && r.Method == http.MethodGet:
		var list []map[string]string
		for h := range f.hooks {
			if h.airmeetID == airmeetID {
				list = append(list, map[string]string{"id": "wh", "triggerMetaInfoId": h.trigger, "url": h.url})
			}
		}
		f.answer(w, map[string]any{"webhookDTOList": list})
	case name == "webhook-register" && r.Method == http.MethodPost:
		var in map[string]string
		if json.NewDecoder(r.Body).Decode(&in) != nil || in["triggerMetaInfoId"] == "" || in["url"] == "" || in["name"] == "" {
			http.Error(w, `{"statusCode":"400"}`, http.StatusBadRequest)
			return
		}
		f.hooks[webhook{in["triggerMetaInfoId"], airmeetID, in["url"]}] = true
		f.answer(w, map[string]any{"id": "wh"})
	case name == "webhook-deregister" && r.Method == http.MethodDelete:
		var in map[string]string
		_ = json.NewDecoder(r.Body).Decode(&in)
		delete(f.hooks, webhook{in["triggerMetaInfoId"], airmeetID, in["url"]})
		f.answer(w, nil)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeAPI) auth(w http.ResponseWriter, r *http.Request) {
	if f.refuseAuth != 0 {
		w.WriteHeader(f.refuseAuth)
		return
	}
	if r.Header.Get("X-Airmeet-Access-Key") != accessKey || r.Header.Get("X-Airmeet-Secret-Key") != secretKey {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	token := "tok-" + time.Now().Format("150405.000000000")
	f.issued[token] = true
	if f.tokenInData {
		_ = json.NewEncoder(w).Encode(map[string]any{"success": true, "data": map[string]string{"label": "eventhooks", "token": token}})
	} else {
		_ = json.NewEncoder(w).Encode(map[string]any{"token": token})
	}
}

func (f *fakeAPI) answer(w http.ResponseWriter, payload any) {
	_ = json.NewEncoder(w).Encode(map[string]any{"statusCode": f.statusCode, "statusMessage": "SUCCESS", "data": payload})
}

func (f *fakeAPI) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeAPI) registered() map[webhook]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[webhook]bool{}
	for k := range f.hooks {
		out[k] = true
	}
	return out
}

func newRegistrar(srv *httptest.Server, deregister bool) *registrar {
	cfg := &RegisterConfig{
		APIURL: srv.URL + "/prod", AccessKey: accessKey, SecretKey: secretKey,
		PublicURL: "https://hooks.example.com/airmeet", PlatformName: "eventhooks",
		Triggers:             []string{"trigger.airmeet.started", "trigger.airmeet.finished", "trigger.airmeet.attendee.joined"},
		AirmeetIDs:           []string{"am-1", "am-2"},
		DeregisterOnShutdown: deregister,
	}
	return &registrar{
		api: &api{base: cfg.baseURL(), accessKey: cfg.AccessKey, secretKey: cfg.SecretKey, client: srv.Client()},
		cfg: cfg, token: token, logger: zap.NewNop(),
		minBackoff: time.Millisecond, maxBackoff: 10 * time.Millisecond,
	}
}

var wantHooks = map[webhook]bool{
	{"trigger.airmeet.started", "", "https://hooks.example.com/airmeet/trigger.airmeet.started?token=" + token}:                     true,
	{"trigger.airmeet.finished", "", "https://hooks.example.com/airmeet/trigger.airmeet.finished?token=" + token}:                   true,
	{"trigger.airmeet.attendee.joined", "am-1", "https://hooks.example.com/airmeet/trigger.airmeet.attendee.joined?token=" + token}: true,
	{"trigger.airmeet.attendee.joined", "am-2", "https://hooks.example.com/airmeet/trigger.airmeet.attendee.joined?token=" + token}: true,
}

// runUntilSynced runs the registrar until it reports success, and returns
// what it reported before.
func runUntilSynced(t *testing.T, r *registrar) (errs []error, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	ok := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx, func(err error) {
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				close(ok)
				return
			}
			errs = append(errs, err)
		})
	}()
	select {
	case <-ok:
	case <-time.After(10 * time.Second):
		t.Fatal("registration never succeeded")
	}
	return errs, func() { cancel(); <-done }
}

func TestRegisterWhatIsMissingThenNothing(t *testing.T) {
	f, srv := newFakeAPI(t)
	errs, stop := runUntilSynced(t, newRegistrar(srv, false))
	stop()
	require.Empty(t, errs)
	require.Equal(t, wantHooks, f.registered())
	require.Equal(t, 4, f.count("webhook-register"))

	// A second start finds everything registered.
	_, stop = runUntilSynced(t, newRegistrar(srv, false))
	stop()
	require.Equal(t, 4, f.count("webhook-register"), "nothing registered twice")
	require.Equal(t, wantHooks, f.registered(), "never deregistered unless asked")
}

func TestRegisterOnlyTheMissingOnes(t *testing.T) {
	f, srv := newFakeAPI(t)
	for h := range wantHooks {
		if h.airmeetID == "am-2" {
			continue
		}
		f.hooks[h] = true
	}
	_, stop := runUntilSynced(t, newRegistrar(srv, false))
	stop()
	require.Equal(t, 1, f.count("webhook-register"))
	require.Equal(t, wantHooks, f.registered())
}

func TestRegisterAuthRefused(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		f, srv := newFakeAPI(t)
		f.refuseAuth = status
		ctx, cancel := context.WithCancel(context.Background())
		reports := make(chan error, 100)
		done := make(chan struct{})
		go func() { defer close(done); newRegistrar(srv, false).Run(ctx, func(err error) { reports <- err }) }()
		first := <-reports
		second := <-reports
		cancel()
		<-done
		require.ErrorContains(t, first, "refused the access key and secret key")
		require.Error(t, second, "tried again, with backoff")
		require.Empty(t, f.registered())
		require.NotContains(t, first.Error(), secretKey)
	}
}

func TestRegisterTokenExpired(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.expire = 1
	errs, stop := runUntilSynced(t, newRegistrar(srv, false))
	stop()
	require.Empty(t, errs, "a 412 trades the keys for a new token and goes on")
	require.Equal(t, 2, f.count("/prod/auth"))
	require.Equal(t, wantHooks, f.registered())
}

func TestRegisterServerErrorsThenSuccess(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.fail = 3
	errs, stop := runUntilSynced(t, newRegistrar(srv, false))
	stop()
	require.Len(t, errs, 3)
	require.ErrorContains(t, errs[0], "500")
	require.Equal(t, wantHooks, f.registered())
}

func TestRegisterOtherResponseShape(t *testing.T) {
	f, srv := newFakeAPI(t)
	f.tokenInData, f.statusCode = true, "200"
	errs, stop := runUntilSynced(t, newRegistrar(srv, false))
	stop()
	require.Empty(t, errs)
	require.Equal(t, wantHooks, f.registered())
}

func TestDeregisterOnShutdown(t *testing.T) {
	f, srv := newFakeAPI(t)
	_, stop := runUntilSynced(t, newRegistrar(srv, true))
	require.Len(t, f.registered(), 4)
	stop()
	require.Empty(t, f.registered())
	require.Equal(t, 4, f.count("webhook-deregister"))
}

func TestRegisterConfigValidate(t *testing.T) {
	c := &RegisterConfig{Region: "mars", APIURL: "", PublicURL: "hooks.example.com", Triggers: []string{"trigger.airmeet.polls"}}
	errs := c.validate()
	joined := ""
	for _, e := range errs {
		joined += e.Error() + "\n"
	}
	require.Contains(t, joined, `register::region: "mars" is not one of default, eu, us`)
	require.Contains(t, joined, "register::access_key and register::secret_key: both are required")
	require.Contains(t, joined, "register::public_url")
	require.Contains(t, joined, "register::airmeet_ids: trigger.airmeet.polls is registered per Airmeet event")

	ok := &RegisterConfig{Region: "eu", AccessKey: "a", SecretKey: "s", PublicURL: "https://h.example.com/airmeet", Triggers: []string{"trigger.airmeet.created"}}
	require.Empty(t, ok.validate())
	require.Equal(t, "https://api-gateway-prod.eu.airmeet.com/prod", ok.baseURL())
	require.Equal(t, "https://api-gateway.airmeet.com/prod", (&RegisterConfig{}).baseURL())
}

func TestTriggerName(t *testing.T) {
	require.Equal(t, "ATTENDEE_JOINED_EVENT", triggerName("trigger.airmeet.attendee.joined"))
	require.Equal(t, "ATTENDEE_JOINED_TABLE", triggerName("trigger.attendee.joined_table"))
}

func TestParseListShapes(t *testing.T) {
	for _, body := range []string{
		`{"statusCode":"2000","data":{"webhookDTOList":[{"triggerMetaInfoId":"t","url":"u"}]}}`,
		`{"success":true,"data":[{"triggerMetaInfoId":"t","url":"u"}]}`,
		`{"statusCode":"200","payload":[{"triggerMetaInfoId":"t","url":"u"}]}`,
		`[{"triggerMetaInfoId":"t","url":"u"}]`,
	} {
		got, err := parseList(json.RawMessage(body))
		require.NoError(t, err, body)
		require.Equal(t, []webhook{{trigger: "t", url: "u"}}, got, body)
	}
}

// TestWebhookCallsOnTheWire pins the requests themselves: the community's
// calls carry no airmeetId, not even an empty one, and every call's path is
// its name under /platform-integration/v1/.
func TestWebhookCallsOnTheWire(t *testing.T) {
	f, _ := newFakeAPI(t)
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	_, stop := runUntilSynced(t, newRegistrar(srv, true))
	stop()
	const v1 = "/prod/platform-integration/v1/"
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{
		"POST /prod/auth",
		"GET " + v1 + "webhook-list",
		"GET " + v1 + "webhook-list?airmeetId=am-1",
		"GET " + v1 + "webhook-list?airmeetId=am-2",
		"POST " + v1 + "webhook-register",
		"POST " + v1 + "webhook-register",
		"POST " + v1 + "webhook-register?airmeetId=am-1",
		"POST " + v1 + "webhook-register?airmeetId=am-2",
		"DELETE " + v1 + "webhook-deregister",
		"DELETE " + v1 + "webhook-deregister",
		"DELETE " + v1 + "webhook-deregister?airmeetId=am-1",
		"DELETE " + v1 + "webhook-deregister?airmeetId=am-2",
	}, seen)
}

func TestHTTPURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://hooks.example.com/airmeet": true,
		"http://localhost:8080":             true,
		"ftp://hooks.example.com":           false,
		"hooks.example.com/airmeet":         false,
		"https:///airmeet":                  false,
		"https://h.example.com/%zz":         false,
	} {
		u, ok := httpURL(s)
		require.Equal(t, want, ok, s)
		require.Equal(t, want, u != nil, s)
	}
}
