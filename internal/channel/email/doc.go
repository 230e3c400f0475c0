// Package email is the inbox's email channel at the protocol level: parsing any
// real-world message (MIME, charsets, forwards, bounces), sanitising its HTML,
// recognising automatic mail, threading keys and signed reply addresses, the
// inbound SMTP listener, the IMAP poller and the outbound sender. It knows
// nothing of the database; the inbox wires it to conversations.
package email
