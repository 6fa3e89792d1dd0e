package io.wshub.transport.undertow;

import io.undertow.connector.ByteBufferPool;
import io.undertow.server.protocol.framed.SendFrameHeader;
import io.undertow.util.ImmediatePooledByteBuffer;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.StreamSinkFrameChannel;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSocketFrameType;
import io.undertow.websockets.core.WebSocketInvalidCloseCodeException;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import io.undertow.websockets.core.protocol.version13.WebSocket13Channel;
import io.undertow.websockets.extensions.CompositeExtensionFunction;
import io.undertow.websockets.extensions.ExtensionFunction;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import io.wshub.api.Message;
import java.io.UnsupportedEncodingException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;

/**
 * Undertow's RFC 6455 handshake for one request, answering exactly the subprotocol already negotiated (or none), and
 * creating a channel that closes with 1002 rather than 1007 when a close frame's reason is not UTF-8 (RFC 6455
 * §5.5.1 makes that a protocol error; Undertow's shared UTF-8 check reports it as invalid data).
 *
 * <p>Thread-safety: one instance per upgrade request, used on that request's I/O thread.
 */
final class StrictHandshake extends Hybi13Handshake {

    StrictHandshake(Set<String> subprotocol) {
        super(subprotocol, false);
    }

    @Override
    public StrictChannel createChannel(WebSocketHttpExchange exchange, StreamConnection connection,
                                          ByteBufferPool pool) {
        List<ExtensionFunction> extensions = initExtensions(exchange);
        return new StrictChannel(connection, pool, getWebSocketLocation(exchange),
                exchange.getResponseHeader("Sec-WebSocket-Protocol"), !extensions.isEmpty(),
                CompositeExtensionFunction.compose(extensions), exchange.getPeerConnections(), exchange.getOptions());
    }

    /**
     * A version 13 server channel with two fixes to Undertow 2.4.4's close-frame checks: a close reason that is not
     * UTF-8 closes with 1002 (not 1007), and the registered codes 1012 to 1014 (RFC 6455 §7.4.2 and the IANA registry;
     * {@link io.wshub.api.CloseCode#isValidOnWire(int)}) are accepted as a close rather than rejected with 1002.
     */
    static final class StrictChannel extends WebSocket13Channel {
        private static final String INVALID_CODE_PREFIX = "Invalid close frame status code: ";

        private volatile int registeredCloseCode = -1;
        private volatile boolean peerVanished;
        /** Set while {@link #sendEncoded} asks Undertow for a frame sink; I/O thread only. */
        private boolean encodedNext;

        StrictChannel(StreamConnection connection, ByteBufferPool pool, String url, String subprotocol,
                      boolean extensions, ExtensionFunction extensionFunction, Set<WebSocketChannel> peers,
                      org.xnio.OptionMap options) {
            super(connection, pool, url, subprotocol, false, extensions, extensionFunction, peers, options);
        }

        /**
         * Returns the close code 1012 to 1014 that the peer sent and Undertow refused, if it did.
         *
         * @return the code, or -1
         */
        int registeredCloseCode() {
            return registeredCloseCode;
        }

        /**
         * Returns whether the peer ended its side of the TCP connection without a close frame.
         *
         * @return {@code true} if the connection ended abnormally (reported as 1006)
         */
        boolean peerVanished() {
            return peerVanished;
        }

        @Override
        protected void lastDataRead() {
            // The peer closed TCP without a close frame. Undertow would answer with an empty close frame to a peer that
            // cannot answer it; the connection is simply closed (RFC 6455 §7.1.5: code 1006).
            if (!isCloseFrameReceived()) {
                peerVanished = !isCloseFrameSent();
                IoUtils.safeClose(this);
                return;
            }
            super.lastDataRead();
        }

        @Override
        protected void handleBrokenSourceChannel(Throwable e) {
            // Once a close frame has arrived nothing else is read, so a UTF-8 failure now is in its reason.
            if (e instanceof UnsupportedEncodingException && isCloseFrameReceived() && !isCloseFrameSent()) {
                WebSockets.sendClose(new CloseMessage(CloseMessage.PROTOCOL_ERROR, "invalid close reason"), this,
                        null);
                return;
            }
            if (e instanceof WebSocketInvalidCloseCodeException) {
                int code = codeIn(e.getMessage());
                if (code >= 1012 && code <= 1014) {
                    registeredCloseCode = code;
                    if (!isCloseFrameSent()) {
                        WebSockets.sendClose(code, "", this, new WebSocketCallback<Void>() {
                            @Override
                            public void complete(WebSocketChannel ch, Void context) {
                                IoUtils.safeClose(ch);
                            }

                            @Override
                            public void onError(WebSocketChannel ch, Void context, Throwable error) {
                                IoUtils.safeClose(ch);
                            }
                        });
                    } else {
                        IoUtils.safeClose(this);
                    }
                    return;
                }
            }
            super.handleBrokenSourceChannel(e);
        }

        /**
         * Sends a whole, already encoded server frame ({@link Message#wireFrame()}, shared by every session) through
         * Undertow's frame queue as it is: Undertow writes the bytes, with no header of its own, in order with the
         * frames it sends itself (pongs, close frames). On the channel's I/O thread.
         *
         * @param message a text or binary message
         * @param callback told when the frame is written or failed
         * @param context passed to the callback
         * @param <T> the context's type
         */
        <T> void sendEncoded(Message message, WebSocketCallback<T> callback, T context) {
            encodedNext = true;
            try {
                if (message.kind() == Message.Kind.TEXT) {
                    WebSockets.sendText(message.wireFrame(), this, callback, context);
                } else {
                    WebSockets.sendBinary(message.wireFrame(), this, callback, context);
                }
            } finally {
                encodedNext = false;
            }
        }

        @Override
        protected StreamSinkFrameChannel createStreamSinkChannel(WebSocketFrameType type) {
            if (encodedNext) {
                encodedNext = false;
                return new EncodedFrameSink(this, type);
            }
            return super.createStreamSinkChannel(type);
        }

        private static int codeIn(String message) {
            if (message == null) {
                return -1;
            }
            int at = message.indexOf(INVALID_CODE_PREFIX);
            if (at < 0) {
                return -1;
            }
            try {
                return Integer.parseInt(message.substring(at + INVALID_CODE_PREFIX.length()).trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /**
     * A frame sink whose body is a whole encoded frame: it adds no header (the header is in the bytes), masks nothing
     * (a server never masks) and applies no extension (none is negotiated).
     */
    private static final class EncodedFrameSink extends StreamSinkFrameChannel {
        /** No header bytes; shared, since an empty buffer is never consumed and closing it does nothing. */
        private static final SendFrameHeader NO_HEADER =
                new SendFrameHeader(0, new ImmediatePooledByteBuffer(ByteBuffer.allocate(0).asReadOnlyBuffer()));

        EncodedFrameSink(WebSocketChannel channel, WebSocketFrameType type) {
            super(channel, type);
        }

        @Override
        protected SendFrameHeader createFrameHeader() {
            return NO_HEADER;
        }
    }
}
