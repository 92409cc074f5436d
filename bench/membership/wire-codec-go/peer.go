// The Go peer of bench/membership/wire-codec.ts: the same gossip packet encoded and decoded
// the way memberlist 0.2.2 (what Debian's Serf 0.9.4 is built from) does it, with the same
// libraries: go-msgpack 0.5.5's default MsgpackHandle, Go's compress/lzw and hash/crc32.
// Written for the benchmark from memberlist's wire format (docs/memberlist-wire.md), not
// copied from memberlist: decode is ingestPacket → hasCrc check → compress → compound → each
// part decoded into its struct; encode is each message encoded, compounded, LZW-compressed,
// wrapped and CRC'd, as a gossip packet leaves a memberlist node.
//
// Run by wire-codec.ts when Go is installed (Debian: golang-go,
// golang-github-hashicorp-go-msgpack-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run peer.go PACKET_FILE PACKETS
//
// Prints one JSON object: microseconds per packet for encode and decode.
package main

import (
	"bytes"
	"compress/lzw"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
)

const (
	pingMsg     = 0
	aliveMsg    = 4
	userMsg     = 8
	compoundMsg = 7
	compressMsg = 9
	hasCrcMsg   = 12
	lzwAlgo     = 0
)

type ping struct {
	SeqNo      uint32
	Node       string
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type alive struct {
	Incarnation uint32
	Node        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Vsn         []uint8
}

type compress struct {
	Algo int
	Buf  []byte
}

// One decoded part, kept so the encode loop can send the same messages again.
type part struct {
	kind  byte
	ping  *ping
	alive *alive
	user  []byte
}

func decodeBody(buf []byte, out interface{}) {
	var h codec.MsgpackHandle
	if err := codec.NewDecoder(bytes.NewReader(buf), &h).Decode(out); err != nil {
		panic(err)
	}
}

func encodeMsg(kind byte, in interface{}) []byte {
	var buf bytes.Buffer
	buf.WriteByte(kind)
	var h codec.MsgpackHandle
	if err := codec.NewEncoder(&buf, &h).Encode(in); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func decodePacket(buf []byte) []part {
	if buf[0] == hasCrcMsg {
		if binary.BigEndian.Uint32(buf[1:5]) != crc32.ChecksumIEEE(buf[5:]) {
			panic("crc")
		}
		buf = buf[5:]
	}
	return decodeMessage(buf, nil)
}

func decodeMessage(buf []byte, parts []part) []part {
	switch buf[0] {
	case compressMsg:
		var c compress
		decodeBody(buf[1:], &c)
		r := lzw.NewReader(bytes.NewReader(c.Buf), lzw.LSB, 8)
		inner, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			panic(err)
		}
		return decodeMessage(inner, parts)
	case compoundMsg:
		n := int(buf[1])
		lengths := buf[2 : 2+2*n]
		body := buf[2+2*n:]
		for i := 0; i < n; i++ {
			l := int(binary.BigEndian.Uint16(lengths[2*i:]))
			parts = decodeMessage(body[:l], parts)
			body = body[l:]
		}
		return parts
	case pingMsg:
		var p ping
		decodeBody(buf[1:], &p)
		return append(parts, part{kind: pingMsg, ping: &p})
	case aliveMsg:
		var a alive
		decodeBody(buf[1:], &a)
		return append(parts, part{kind: aliveMsg, alive: &a})
	case userMsg:
		payload := make([]byte, len(buf)-1)
		copy(payload, buf[1:])
		return append(parts, part{kind: userMsg, user: payload})
	}
	panic(fmt.Sprintf("unexpected message type %d", buf[0]))
}

func encodePacket(parts []part) []byte {
	msgs := make([][]byte, len(parts))
	for i, p := range parts {
		switch p.kind {
		case pingMsg:
			msgs[i] = encodeMsg(pingMsg, p.ping)
		case aliveMsg:
			msgs[i] = encodeMsg(aliveMsg, p.alive)
		default:
			msgs[i] = append([]byte{userMsg}, p.user...)
		}
	}
	var compound bytes.Buffer
	compound.WriteByte(compoundMsg)
	compound.WriteByte(uint8(len(msgs)))
	for _, m := range msgs {
		binary.Write(&compound, binary.BigEndian, uint16(len(m)))
	}
	for _, m := range msgs {
		compound.Write(m)
	}
	var packed bytes.Buffer
	w := lzw.NewWriter(&packed, lzw.LSB, 8)
	w.Write(compound.Bytes())
	w.Close()
	wrapped := encodeMsg(compressMsg, &compress{Algo: lzwAlgo, Buf: packed.Bytes()})
	out := make([]byte, 5+len(wrapped))
	out[0] = hasCrcMsg
	binary.BigEndian.PutUint32(out[1:5], crc32.ChecksumIEEE(wrapped))
	copy(out[5:], wrapped)
	return out
}

func perPacketUs(n int, run func()) float64 {
	for i := 0; i < n; i++ {
		run()
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		run()
	}
	return float64(time.Since(start).Microseconds()) / float64(n)
}

func main() {
	wire, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		panic(err)
	}
	parts := decodePacket(wire)
	// Go's writer is the one ours copies byte for byte: the re-encoded packet must be the same.
	if !bytes.Equal(encodePacket(parts), wire) {
		panic("the Go peer's packet differs from hearsay's")
	}
	sink := 0
	encodeUs := perPacketUs(n, func() { sink += len(encodePacket(parts)) })
	decodeUs := perPacketUs(n, func() { sink += len(decodePacket(wire)) })
	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"encodeUs": encodeUs, "decodeUs": decodeUs, "parts": len(parts), "sink": sink,
	})
}
