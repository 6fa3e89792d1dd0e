package io.wshub.disruptor;

import io.wshub.api.HandshakeRequest;
import io.wshub.api.Message;
import io.wshub.api.OfferResult;
import io.wshub.api.Session;
import java.net.InetSocketAddress;
import java.util.Map;

/** A session that forwards to another; tests override one method to make it misbehave. */
class ForwardingSession implements Session {

    final Session delegate;

    ForwardingSession(Session delegate) {
        this.delegate = delegate;
    }

    @Override
    public long id() {
        return delegate.id();
    }

    @Override
    public HandshakeRequest handshake() {
        return delegate.handshake();
    }

    @Override
    public String subprotocol() {
        return delegate.subprotocol();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return delegate.remoteAddress();
    }

    @Override
    public Map<String, Object> attributes() {
        return delegate.attributes();
    }

    @Override
    public boolean isOpen() {
        return delegate.isOpen();
    }

    @Override
    public OfferResult offer(Message message) {
        return delegate.offer(message);
    }

    @Override
    public boolean evictOldest() {
        return delegate.evictOldest();
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public void close(int code, String reason) {
        delegate.close(code, reason);
    }

    @Override
    public int queuedMessages() {
        return delegate.queuedMessages();
    }

    @Override
    public long queuedBytes() {
        return delegate.queuedBytes();
    }
}
