package attendee

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkVerifyDecode measures the Attendee path a delivery takes before
// it reaches the pipeline: rebuilding the signed bytes, the HMAC, and the
// decode into an event. The deliveries are the Python-signed golden ones.
func BenchmarkVerifyDecode(b *testing.B) {
	dir := filepath.Join("..", "..", "..", "..", "testdata", "attendee")
	raw, err := os.ReadFile(filepath.Join(dir, "signatures.json"))
	if err != nil {
		b.Fatal(err)
	}
	var sigs map[string]string
	if err := json.Unmarshal(raw, &sigs); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"triggers/bot.state_change.json", "triggers/bot.state_change.metadata.json", "triggers/transcript.update.json"} {
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(name), func(b *testing.B) {
			p := newTestProvider(b, designSecret)
			d := delivery(string(body), sigs[name])
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for range b.N {
				if err := p.Verify(d); err != nil {
					b.Fatal(err)
				}
				if _, err := p.Decode(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
