package provider

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/config/configopaque"
)

// SecretDecoder turns a configured secret into the key it stands for; its
// error never quotes the secret.
type SecretDecoder func(configopaque.String) ([]byte, error)

// ValidateSecrets reports, under the option's name, an empty list (this
// receiver never accepts unverified deliveries) and every secret that does
// not decode.
func ValidateSecrets(option string, secrets []configopaque.String, decode SecretDecoder) []error {
	if len(secrets) == 0 {
		return []error{fmt.Errorf("%s: at least one is required; this receiver never accepts unverified deliveries", option)}
	}
	var errs []error
	for i, s := range secrets {
		if _, err := decode(s); err != nil {
			errs = append(errs, fmt.Errorf("%s[%d]: %w", option, i, err))
		}
	}
	return errs
}

// DecodeSecrets returns the keys of validated secrets, in order.
func DecodeSecrets(secrets []configopaque.String, decode SecretDecoder) ([][]byte, error) {
	keys := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		k, err := decode(s)
		if err != nil {
			return nil, errors.Join(errors.New("invalid secret"), err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
