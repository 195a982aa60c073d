package kafkabus

// Options say how to reach a Kafka cluster, as flags give them. They are
// plain data, so a child process can be handed them. With no brokers the
// stand-in starts its embedded broker.
type Options struct {
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
func (o Options) Config() (Config, error) {
	c := Config{Brokers: o.Brokers, ClientID: "gl001"}
	if o.TLS || o.TLSCAFile != "" || o.TLSCertFile != "" {
		t, err := LoadTLS(o.TLSCAFile, o.TLSCertFile, o.TLSKeyFile)
		if err != nil {
			return Config{}, err
		}
		c.TLS = t
	}
	if o.SASLMechanism != "" {
		m, err := ParseSASL(o.SASLMechanism, o.SASLUsername, o.SASLPassword)
		if err != nil {
			return Config{}, err
		}
		c.SASL = m
	}
	return c, nil
}
