package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/bus"
)

// A replica's consumer and the load side's ack collector against the
// embedded broker. Against a real cluster, build the kafkabus.Config from flags
// instead: Brokers, kafkabus.LoadTLS, kafkabus.ParseSASL.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	broker, err := bus.StartEmbedded(ctx, bus.EmbeddedOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer broker.Close()
	cfg := broker.Config()
	if err := bus.EnsureTopics(ctx, cfg, 12, api.TopicCoordination, api.TopicAck); err != nil {
		log.Fatal(err)
	}

	acks, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer acks.Close()

	replica := &bus.Processor{
		Config:   cfg,
		Topic:    api.TopicCoordination,
		AckTopic: api.TopicAck,
		Group:    api.ConsumerGroup,
		Workers:  4,
		Replica:  "gl-001-0",
		Handle: func(ctx context.Context, value []byte) (string, error) {
			var ev api.CoordinationEvent
			if err := json.Unmarshal(value, &ev); err != nil {
				return "", err
			}
			if ev.AgentID == "" {
				return ev.EventID, errors.New("agent_id is empty")
			}
			return ev.EventID, nil
		},
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- replica.Run(runCtx) }()

	// A sub-agent publishes an event, keyed by plant.
	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	w := &kafka.Writer{
		Addr:         kafka.TCP(cfg.Brokers...),
		Topic:        api.TopicCoordination,
		Transport:    transport,
		Balancer:     &kafka.Hash{},
		BatchTimeout: time.Millisecond,
	}
	defer w.Close()
	body, _ := json.Marshal(api.CoordinationEvent{EventID: "ev-1", AgentID: "GL-002-01", PlantID: "plant-01", SentAt: time.Now()})
	if err := w.WriteMessages(ctx, kafka.Message{Key: []byte("plant-01"), Value: body}); err != nil {
		log.Fatal(err)
	}

	ack, err := acks.Wait(ctx, "ev-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ack.EventID, ack.Status, ack.Replica)

	stop()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	// Output: ev-1 ok gl-001-0
}
