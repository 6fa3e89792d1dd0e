package io.wshub.api;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A minimal in-memory session for hub-api's own tests: a bounded list of offered messages. */
final class TestSession implements Session {
    private final long id;
    private final int capacity;
    final List<Message> sent = new ArrayList<>();
    int flushes;
    int closeCode;
    private boolean open = true;

    TestSession(long id, int capacity) {
        this.id = id;
        this.capacity = capacity;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public HandshakeRequest handshake() {
        return new HandshakeRequest("/ws", "", Map.of(), remoteAddress());
    }

    @Override
    public String subprotocol() {
        return null;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 1);
    }

    @Override
    public Map<String, Object> attributes() {
        return new ConcurrentHashMap<>();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public OfferResult offer(Message message) {
        if (!open) {
            return OfferResult.CLOSED;
        }
        if (sent.size() >= capacity) {
            return OfferResult.FULL;
        }
        sent.add(message);
        return OfferResult.ENQUEUED;
    }

    @Override
    public boolean evictOldest() {
        return !sent.isEmpty() && sent.remove(0) != null;
    }

    @Override
    public void flush() {
        flushes++;
    }

    @Override
    public void close(int code, String reason) {
        if (open) {
            open = false;
            closeCode = code;
        }
    }

    @Override
    public int queuedMessages() {
        return sent.size();
    }

    @Override
    public long queuedBytes() {
        return sent.stream().mapToLong(Message::payloadLength).sum();
    }
}
