// Package names turns the field names platforms use for identifiers
// ("activityBreakAgendaItemId", "booth_id") into attribute names
// ("eventsair.activity_break_agenda_item.id", "airmeet.booth.id").
package names

import (
	"strings"
	"sync"
	"unicode"
)

// maxCached bounds the cache against deliveries that invent field names.
const maxCached = 4096

// cache holds the attribute names already worked out, by platform and
// field ("" for a field that is not an ID): a platform uses a handful of
// field names over and over, so each is worked out, and allocated, once.
var cache = struct {
	sync.RWMutex
	byPlatform map[string]map[string]string
	n          int
}{byPlatform: map[string]map[string]string{}}

// Attribute returns "<platform>.<entity>.id" for an ID field; ok is false
// for a field that is not an ID.
func Attribute(platform, field string) (name string, ok bool) {
	cache.RLock()
	name, hit := cache.byPlatform[platform][field]
	cache.RUnlock()
	if hit {
		return name, name != ""
	}
	if entity, isID := Entity(field); isID {
		name = platform + "." + entity + ".id"
	}
	cache.Lock()
	if cache.n < maxCached {
		m := cache.byPlatform[platform]
		if m == nil {
			m = map[string]string{}
			cache.byPlatform[platform] = m
		}
		if _, dup := m[field]; !dup {
			m[field] = name
			cache.n++
		}
	}
	cache.Unlock()
	return name, name != ""
}

// Entity returns the snake-case entity of an ID field: "eventId" → "event",
// "URLPathId" → "url_path", "user_id" → "user"; ok is false for a field that
// is not an ID.
func Entity(field string) (string, bool) {
	stem, ok := strings.CutSuffix(field, "_id")
	if !ok {
		if stem, ok = strings.CutSuffix(field, "Id"); !ok {
			stem, ok = strings.CutSuffix(field, "ID")
		}
	}
	stem = strings.TrimRight(stem, "_")
	if !ok || stem == "" {
		return "", false
	}
	var b strings.Builder
	runes := []rune(stem)
	for i, r := range runes {
		if unicode.IsUpper(r) {
			// A new word starts at an upper-case letter after a lower-case
			// one or a digit, or at the last capital of an acronym ("URLPath").
			if i > 0 && (!unicode.IsUpper(runes[i-1]) || i+1 < len(runes) && unicode.IsLower(runes[i+1])) && runes[i-1] != '_' {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String(), true
}
