package kafkabus

import (
	"time"

	"github.com/segmentio/kafka-go"
)

// NewWriter returns a producer for topic that sends each message at once
// (a batch would hold an event back for the batch timeout), keyed
// messages to the partition their key hashes to.
func NewWriter(cfg Config, topic string) *kafka.Writer {
	return &kafka.Writer{
		Addr: cfg.Addr(), Topic: topic, Transport: cfg.Transport(),
		Balancer: &kafka.Hash{}, BatchSize: 1, BatchTimeout: time.Millisecond,
		RequiredAcks: kafka.RequireOne, MaxAttempts: 3,
	}
}
