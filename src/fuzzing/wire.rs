//! The byte streams sessui reads from its peers: job frames (both
//! directions) and the agent's hello and request/reply frames.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::BufReader;

use super::{block_on, largest_allocation};
use crate::agent::wire::{Reply, Request};
use crate::protocol::{
    ClientMsg, FrameReader, MAGIC, MAX_FRAME, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
    ProtocolError, ServerMsg, accept_hello, client_hello, encode_frame,
};

/// `data` as the stream a job reads from a client and as the stream a view
/// reads from a job: every frame decodes to a message or a typed error.
pub fn frames(data: &[u8]) {
    decode_all::<ClientMsg>(data);
    decode_all::<ServerMsg>(data);
}

/// `data` as what the agent reads from sessui (a hello, then requests) and
/// as what sessui reads from the agent (noise, the agent's hello, replies).
/// An odd first byte puts valid hellos in front of the rest, so a fuzzer
/// reaches the frames behind them without guessing the magic first.
pub fn agent_wire(data: &[u8]) {
    match data.split_first() {
        Some((first, rest)) if first & 1 == 1 => {
            let from_client = [&MAGIC[..], &[0, 1, 0, 2], rest].concat();
            let from_agent = [&MAGIC[..], &[0, 2, 0, 1, 0, 2], rest].concat();
            agent_streams(&from_client, &from_agent);
        }
        _ => agent_streams(data, data),
    }
}

fn agent_streams(from_client: &[u8], from_agent: &[u8]) {
    let data = from_client;
    let mut reader = BufReader::new(data);
    let mut answer = Vec::new();
    match block_on(accept_hello(&mut reader, &mut answer)) {
        Ok(version) => {
            assert!((MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&version));
            decode_stream::<Request, _>(FrameReader::with_buffered(reader));
        }
        Err(ProtocolError::NoHello | ProtocolError::VersionMismatch { .. }) => {}
        Err(e) => panic!("the agent's hello failed with {e:?}"),
    }
    // Once the magic is read, the client always gets an answer it can read.
    if !answer.is_empty() {
        assert_eq!(answer.len(), MAGIC.len() + 6, "answer {answer:?}");
        let mut back = BufReader::new(&answer[..]);
        let mut sink = Vec::new();
        match block_on(client_hello(&mut back, &mut sink)) {
            Ok(_) | Err(ProtocolError::VersionMismatch { .. }) => {}
            Err(e) => panic!("the client cannot read the agent's answer: {e:?}"),
        }
    }

    let mut reader = BufReader::new(from_agent);
    let mut hello = Vec::new();
    match block_on(client_hello(&mut reader, &mut hello)) {
        Ok(version) => {
            assert!((MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&version));
            decode_stream::<Reply, _>(FrameReader::with_buffered(reader));
        }
        Err(ProtocolError::NoHello | ProtocolError::VersionMismatch { .. }) => {}
        Err(e) => panic!("the client's hello failed with {e:?}"),
    }
}

/// Encodes `msgs` as one stream and reads it back: the same messages, in order.
pub fn round_trip_client(msgs: &[ClientMsg]) {
    round_trip(msgs);
}

/// As `round_trip_client`, for what a job sends.
pub fn round_trip_server(msgs: &[ServerMsg]) {
    round_trip(msgs);
}

/// As `round_trip_client`, for the agent's requests and replies.
pub fn round_trip_agent(requests: &[Request], replies: &[Reply]) {
    round_trip(requests);
    round_trip(replies);
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(msgs: &[T]) {
    let mut stream = Vec::new();
    for m in msgs {
        match encode_frame(m) {
            Ok(frame) => stream.extend_from_slice(&frame),
            Err(ProtocolError::FrameTooLarge { size, max }) => {
                assert!(size > max, "refused a frame of {size} bytes under {max}");
            }
            Err(e) => panic!("cannot encode {m:?}: {e}"),
        }
    }
    let mut reader = FrameReader::new(&stream[..]);
    for m in msgs {
        if encode_frame(m).is_err() {
            continue;
        }
        match block_on(reader.read::<T>()) {
            Ok(got) => assert_eq!(&got, m),
            Err(e) => panic!("cannot read back {m:?}: {e}"),
        }
    }
    assert!(matches!(
        block_on(reader.read::<T>()),
        Err(ProtocolError::Closed)
    ));
}

fn decode_all<T: Serialize + DeserializeOwned + PartialEq + Debug>(data: &[u8]) {
    decode_stream::<T, _>(FrameReader::new(data));
}

/// Reads frames until the stream ends or is refused. Each message read is
/// encoded again and reads back the same: nothing is decoded that sessui
/// could not have sent. With `PeakAlloc` installed, no frame makes the
/// reader allocate more than `MAX_FRAME` bytes at once.
fn decode_stream<T, R>(mut reader: FrameReader<R>)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
    R: tokio::io::AsyncRead + Unpin,
{
    loop {
        // What a corrupt length or count can make sessui allocate: never
        // more than a frame's worth, whatever the stream claims.
        let (read, largest) = largest_allocation(|| block_on(reader.read::<T>()));
        assert!(
            largest <= MAX_FRAME,
            "reading one frame allocated {largest} bytes at once, over the {MAX_FRAME}-byte limit"
        );
        match read {
            Ok(msg) => {
                let frame = encode_frame(&msg)
                    .unwrap_or_else(|e| panic!("decoded {msg:?} but cannot encode it: {e}"));
                assert!(frame.len() - 4 <= MAX_FRAME);
                match postcard::from_bytes::<T>(&frame[4..]) {
                    Ok(back) => assert_eq!(back, msg),
                    Err(e) => panic!("{msg:?} encoded does not decode: {e}"),
                }
            }
            // A typed error ends the connection, as it does in sessui.
            Err(
                ProtocolError::Closed
                | ProtocolError::FrameTooLarge { .. }
                | ProtocolError::Decode(_),
            ) => return,
            Err(e) => panic!("reading a byte slice failed with {e:?}"),
        }
    }
}
