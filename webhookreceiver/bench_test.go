package webhookreceiver

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/eventhooks/collector/webhookreceiver/internal/metadata"
)

// BenchmarkEventsAirDelivery measures one signed EventsAir delivery through
// the handler: read, verify, decode, dedup, translate, consume (nop), each
// with a fresh delivery key.
func BenchmarkEventsAirDelivery(b *testing.B) {
	r, err := newReceiver(testConfig(eventsAirConfig()), receivertest.NewNopSettings(metadata.Type), func() {})
	if err != nil {
		b.Fatal(err)
	}
	r.logs = consumertest.NewNop()
	now := time.Now()
	r.now = func() time.Time { return now }
	ts := now.Unix()
	tsText := strconv.FormatInt(ts, 10)
	body := registration
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := range b.N {
		id := "msg_" + strconv.Itoa(i)
		req := httptest.NewRequest(http.MethodPost, "/eventsair", strings.NewReader(body))
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", tsText)
		req.Header.Set("webhook-signature", standardWebhooksSignature(testSecret, id, ts, body))
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
