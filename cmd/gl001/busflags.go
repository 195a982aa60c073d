package main

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/greenlang/gl001/deploy/kafkabus"
)

// addBusFlags declares the flags that reach the user's Kafka over TLS
// and SASL, the same for every subcommand that speaks Kafka.
func addBusFlags(f *pflag.FlagSet, b *kafkabus.Options) {
	f.BoolVar(&b.TLS, "kafka-tls", false, "connect to --brokers over TLS")
	f.StringVar(&b.TLSCAFile, "kafka-tls-ca", "", "PEM file of the CA that signed the brokers' certificates")
	f.StringVar(&b.TLSCertFile, "kafka-tls-cert", "", "PEM client certificate, for mutual TLS")
	f.StringVar(&b.TLSKeyFile, "kafka-tls-key", "", "PEM client key, for mutual TLS")
	f.StringVar(&b.SASLMechanism, "kafka-sasl-mechanism", "", "SASL mechanism: plain, scram-sha-256 or scram-sha-512")
	f.StringVar(&b.SASLUsername, "kafka-sasl-username", "", "SASL user name")
	f.StringVar(&b.SASLPassword, "kafka-sasl-password", "", "SASL password (or set GL001_KAFKA_SASL_PASSWORD)")
}

// busPasswordFromEnv takes the SASL password from the environment when no
// flag gave one, so it need not appear in the process list.
func busPasswordFromEnv(b *kafkabus.Options) {
	if b.SASLPassword == "" {
		b.SASLPassword = os.Getenv("GL001_KAFKA_SASL_PASSWORD")
	}
}
