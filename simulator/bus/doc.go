// Package bus is the message-bus side of gl001's stand-in orchestrator:
// an in-process broker for runs without a Kafka cluster (StartEmbedded,
// kfake on 127.0.0.1), topic set-up (EnsureTopics), the consumer each
// orchestrator replica runs (Processor) and the wait for its consumer
// group to settle. How to reach a cluster (TLS, SASL), the producer and
// the ack collector the load side uses (AckWaiter) are in package
// kafkabus, which both sides share.
//
// Everything talks to the broker with segmentio/kafka-go over TCP, so the
// embedded broker and a user's cluster are used the same way.
//
// The flow of one coordination event:
//
//	sub-agent ──(agent.coordination, key plant_id)──▶ Processor (group gl-001-orchestrator)
//	    Handle ──▶ api.Ack ──(agent.coordination.ack, key event_id)──▶ kafkabus.AckWaiter
//	    └─ offset committed only after the ack is written
//
// Delivery is at least once. A replica that stops (context cancelled)
// finishes and acks its in-flight events and commits before leaving, so
// scaling down loses and repeats nothing. A replica that joins takes
// partitions from the others without a hand-over (kafka-go's Reader has no
// partition-revoked hook), so events the others had fetched but not yet
// committed, up to one CommitInterval's worth, are handled twice.
//
// Consumer-group timing is tuned for a harness, not kafka-go's defaults:
// heartbeats every 250 ms (a join or leave settles in well under a second
// instead of up to 3 s), fetches wait at most 100 ms on the broker, and a
// replica that dies without leaving keeps its partitions for the 10 s
// session timeout.
package bus
