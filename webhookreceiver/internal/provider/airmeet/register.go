package airmeet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"
)

// RegisterConfig keeps Airmeet's webhook registrations in step with the
// receiver: at start, what is missing is registered.
type RegisterConfig struct {
	// Region is Airmeet's API region: default (Mumbai), eu or us.
	Region string `mapstructure:"region"`
	// APIURL replaces the region's base URL ("https://.../prod").
	APIURL    string              `mapstructure:"api_url"`
	AccessKey configopaque.String `mapstructure:"access_key"`
	SecretKey configopaque.String `mapstructure:"secret_key"`
	// PublicURL is where Airmeet reaches this path from outside, without the
	// trigger: https://hooks.example.com/airmeet.
	PublicURL    string `mapstructure:"public_url"`
	PlatformName string `mapstructure:"platform_name"`
	// Triggers are the triggerMetaInfoIds to keep registered.
	Triggers []string `mapstructure:"triggers"`
	// AirmeetIDs are the events for the triggers that are registered per
	// event (trigger.airmeet.registrant.added, trigger.airmeet.attendee.joined, ...).
	AirmeetIDs []string `mapstructure:"airmeet_ids"`
	// DeregisterOnShutdown removes, at shutdown, what this receiver registered.
	DeregisterOnShutdown bool `mapstructure:"deregister_on_shutdown"`
}

// regions are Airmeet's API base URLs.
var regions = map[string]string{
	"default": "https://api-gateway.airmeet.com/prod",
	"eu":      "https://api-gateway-prod.eu.airmeet.com/prod",
	"us":      "https://api-gateway-prod.us.airmeet.com/prod",
}

// perEvent are the triggers Airmeet registers for one Airmeet event (its
// webhook-register takes an airmeetId); the others are for the community.
func perEvent(trigger string) bool {
	switch trigger {
	case "trigger.airmeet.created", "trigger.airmeet.started", "trigger.airmeet.finished",
		"trigger.airmeet.reminder", "trigger.airmeet.recording.available", "trigger.airmeet.attendee.added":
		return false
	}
	return true
}

func (c *RegisterConfig) validate() []error {
	var errs []error
	switch {
	case c.APIURL != "" && c.Region != "":
		errs = append(errs, errors.New("register::api_url and register::region: set one or the other"))
	case c.APIURL != "":
		if _, ok := httpURL(c.APIURL); !ok {
			errs = append(errs, errors.New("register::api_url: must be an http(s) URL"))
		}
	default:
		if _, ok := regions[c.region()]; !ok {
			errs = append(errs, fmt.Errorf("register::region: %q is not one of default, eu, us", c.Region))
		}
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		errs = append(errs, errors.New("register::access_key and register::secret_key: both are required"))
	}
	if u, ok := httpURL(c.PublicURL); !ok || u.RawQuery != "" {
		errs = append(errs, errors.New("register::public_url: must be the http(s) URL Airmeet reaches this path at, without a query"))
	}
	if len(c.Triggers) == 0 {
		errs = append(errs, errors.New("register::triggers: name at least one"))
	}
	for _, t := range c.Triggers {
		if perEvent(t) && len(c.AirmeetIDs) == 0 {
			errs = append(errs, fmt.Errorf("register::airmeet_ids: %s is registered per Airmeet event: name at least one", t))
			break
		}
	}
	return errs
}

// httpURL parses s and says whether it is an absolute http(s) URL with a host.
func httpURL(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, false
	}
	return u, true
}

func (c *RegisterConfig) region() string {
	if c.Region == "" {
		return "default"
	}
	return c.Region
}

func (c *RegisterConfig) baseURL() string {
	if c.APIURL != "" {
		return strings.TrimSuffix(c.APIURL, "/")
	}
	return regions[c.region()]
}

// webhook is one registration: a trigger, for an Airmeet event or ("") the
// community, posting to a URL.
type webhook struct {
	trigger, airmeetID, url string
}

// registrar keeps the registrations in step, retrying with backoff.
type registrar struct {
	api        *api
	cfg        *RegisterConfig
	token      string // the receiver's first token, put in the URLs
	logger     *zap.Logger
	minBackoff time.Duration
	maxBackoff time.Duration
}

// wanted is every registration the configuration asks for.
func (r *registrar) wanted() []webhook {
	var out []webhook
	base := strings.TrimSuffix(r.cfg.PublicURL, "/")
	for _, t := range r.cfg.Triggers {
		u := base + "/" + t + "?token=" + url.QueryEscape(r.token)
		if !perEvent(t) {
			out = append(out, webhook{t, "", u})
			continue
		}
		for _, id := range r.cfg.AirmeetIDs {
			out = append(out, webhook{t, id, u})
		}
	}
	return out
}

// Run registers what is missing, then waits for the end; failures are
// reported and tried again with exponential backoff.
func (r *registrar) Run(ctx context.Context, report func(error)) {
	backoff := r.minBackoff
	var registered []webhook
	for {
		added, err := r.sync(ctx)
		registered = append(registered, added...)
		report(err)
		if err == nil {
			break
		}
		r.logger.Warn("Airmeet webhook registration failed; retrying", zap.Duration("in", backoff), zap.Error(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, r.maxBackoff)
	}
	<-ctx.Done()
	if r.cfg.DeregisterOnShutdown {
		// ctx has ended: give the calls a short time of their own.
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		for _, w := range registered {
			if err := r.api.deregister(stop, w); err != nil {
				r.logger.Warn("Airmeet webhook deregistration failed", zap.String("trigger", w.trigger), zap.Error(err))
			}
		}
	}
}

// sync registers every wanted webhook that Airmeet does not list, and
// returns those it registered.
func (r *registrar) sync(ctx context.Context) ([]webhook, error) {
	wanted := r.wanted()
	scopes := map[string]bool{}
	for _, w := range wanted {
		scopes[w.airmeetID] = true
	}
	existing := map[webhook]bool{}
	for _, scope := range slices.Sorted(maps.Keys(scopes)) {
		listed, err := r.api.list(ctx, scope)
		if err != nil {
			return nil, err
		}
		for _, w := range listed {
			w.airmeetID = scope
			existing[w] = true
		}
	}
	var added []webhook
	for _, w := range wanted {
		if existing[w] {
			continue
		}
		if err := r.api.register(ctx, w, r.cfg.PlatformName); err != nil {
			return added, err
		}
		r.logger.Info("Registered Airmeet webhook", zap.String("trigger", w.trigger), zap.String("airmeet_id", w.airmeetID))
		added = append(added, w)
	}
	return added, nil
}
