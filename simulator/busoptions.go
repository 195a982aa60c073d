package simulator

import (
	"github.com/greenlang/gl001/simulator/bus"
)

// BusOptions say how to reach the user's Kafka cluster. They are plain
// data, so a replica process can be handed them. No brokers: the stand-in
// starts its embedded broker.
type BusOptions struct {
	Brokers       []string `json:"brokers,omitempty"`
	TLS           bool     `json:"tls,omitempty"`
	TLSCAFile     string   `json:"tls_ca_file,omitempty"`
	TLSCertFile   string   `json:"tls_cert_file,omitempty"`
	TLSKeyFile    string   `json:"tls_key_file,omitempty"`
	SASLMechanism string   `json:"sasl_mechanism,omitempty"` // plain, scram-sha-256, scram-sha-512
	SASLUsername  string   `json:"sasl_username,omitempty"`
	SASLPassword  string   `json:"sasl_password,omitempty"`
}

// Config builds the kafka-go settings, reading any TLS files.
func (o BusOptions) Config() (bus.Config, error) {
	c := bus.Config{Brokers: o.Brokers, ClientID: "gl001"}
	if o.TLS || o.TLSCAFile != "" || o.TLSCertFile != "" {
		t, err := bus.LoadTLS(o.TLSCAFile, o.TLSCertFile, o.TLSKeyFile)
		if err != nil {
			return bus.Config{}, err
		}
		c.TLS = t
	}
	if o.SASLMechanism != "" {
		m, err := bus.ParseSASL(o.SASLMechanism, o.SASLUsername, o.SASLPassword)
		if err != nil {
			return bus.Config{}, err
		}
		c.SASL = m
	}
	return c, nil
}
