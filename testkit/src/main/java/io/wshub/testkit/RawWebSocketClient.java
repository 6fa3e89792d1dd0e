package io.wshub.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A deliberately low-level WebSocket client for conformance tests: a plain blocking {@link Socket} that performs the
 * upgrade by hand (or sends any bytes at all), writes any frame — masked or not, with RSV bits, any opcode,
 * fragmented — and reads frames with timeouts, reporting the close code it received and whether the server closed
 * TCP.
 *
 * <p>It checks nothing about what it sends, so it can send malformed input; it checks what it receives only as far as
 * needed to parse it.
 *
 * <p>Thread-safety: one thread may read while another writes; reads must not be concurrent with reads, nor writes with
 * writes. Methods do not accept null unless documented. {@link #close()} may be called from any thread.
 */
public final class RawWebSocketClient implements AutoCloseable {

    /** The GUID RFC 6455 §1.3 appends to the key to compute {@code Sec-WebSocket-Accept}. */
    public static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /** Opcode of a continuation frame. */
    public static final int OP_CONTINUATION = 0x0;
    /** Opcode of a text frame. */
    public static final int OP_TEXT = 0x1;
    /** Opcode of a binary frame. */
    public static final int OP_BINARY = 0x2;
    /** Opcode of a close frame. */
    public static final int OP_CLOSE = 0x8;
    /** Opcode of a ping frame. */
    public static final int OP_PING = 0x9;
    /** Opcode of a pong frame. */
    public static final int OP_PONG = 0xA;

    /** The code {@link CloseResult#code()} reports when no close frame arrived. */
    public static final int NO_CLOSE_FRAME = -1;

    private static final int MAX_HTTP_HEAD = 64 * 1024;

    /**
     * One WebSocket frame, as sent or received. Immutable except for the payload array, which is shared, not copied.
     *
     * @param fin whether the FIN bit is set
     * @param rsv the three RSV bits, 0 to 7 (RSV1 is 4)
     * @param opcode the opcode, 0 to 15
     * @param masked whether the frame is (or is to be) masked
     * @param payload the unmasked payload; never null; not copied, do not modify
     */
    public record Frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
        /**
         * Validates the field ranges.
         *
         * @param fin FIN bit
         * @param rsv RSV bits, 0 to 7
         * @param opcode opcode, 0 to 15
         * @param masked mask bit
         * @param payload the payload; not null
         */
        public Frame {
            if (rsv < 0 || rsv > 7) {
                throw new IllegalArgumentException("rsv must be 0 to 7, was " + rsv);
            }
            if (opcode < 0 || opcode > 15) {
                throw new IllegalArgumentException("opcode must be 0 to 15, was " + opcode);
            }
            Objects.requireNonNull(payload, "payload");
        }

        /**
         * Returns a final, masked, RSV-free frame, as a well-behaved client sends.
         *
         * @param opcode the opcode
         * @param payload the payload; not null
         * @return the frame
         */
        public static Frame of(int opcode, byte[] payload) {
            return new Frame(true, 0, opcode, true, payload);
        }

        /**
         * Returns the payload decoded as UTF-8 (malformed input replaced).
         *
         * @return the text; never null
         */
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /**
         * Returns a close frame's status code.
         *
         * @return the code, 1005 if the payload is empty, or {@link #NO_CLOSE_FRAME} if this is not a close frame or
         *         its payload has one byte
         */
        public int closeCode() {
            if (opcode != OP_CLOSE || payload.length == 1) {
                return NO_CLOSE_FRAME;
            }
            return payload.length == 0 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        @Override
        public String toString() {
            return "Frame[fin=" + fin + ", rsv=" + rsv + ", opcode=0x" + Integer.toHexString(opcode) + ", masked="
                    + masked + ", length=" + payload.length + (opcode == OP_CLOSE ? ", code=" + closeCode() : "") + "]";
        }
    }

    /**
     * An HTTP response head. Immutable.
     *
     * @param statusLine the first line, for example {@code HTTP/1.1 101 Switching Protocols}; never null
     * @param status the status code, or -1 if the status line could not be parsed
     * @param headers the headers by case-insensitive name, each with its values in order; never null
     */
    public record HttpResponse(String statusLine, int status, Map<String, List<String>> headers) {
        /**
         * Copies the headers into an unmodifiable case-insensitive map.
         *
         * @param statusLine the status line; not null
         * @param status the status
         * @param headers the headers; not null
         */
        public HttpResponse {
            Objects.requireNonNull(statusLine, "statusLine");
            TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            headers = Collections.unmodifiableMap(copy);
        }

        /**
         * Returns the first value of a header.
         *
         * @param name the name, any case; not null
         * @return the value trimmed, or null if absent
         */
        public String header(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0).trim();
        }
    }

    /**
     * What {@link #awaitClose(Duration)} observed. Immutable.
     *
     * @param code the close frame's code; 1005 for an empty close frame; {@link #NO_CLOSE_FRAME} if none arrived
     * @param reason the close frame's reason bytes decoded as UTF-8; empty if none
     * @param tcpClosed whether the server closed the TCP connection (end of stream or reset) within the timeout
     * @param framesBefore the frames received before the close frame (data the server had already queued)
     */
    public record CloseResult(int code, String reason, boolean tcpClosed, List<Frame> framesBefore) {
        /**
         * Copies the frame list.
         *
         * @param code the code
         * @param reason the reason; not null
         * @param tcpClosed whether TCP closed
         * @param framesBefore the earlier frames; not null
         */
        public CloseResult {
            Objects.requireNonNull(reason, "reason");
            framesBefore = List.copyOf(framesBefore);
        }

        /**
         * Returns whether a close frame arrived.
         *
         * @return {@code true} if the server sent a close frame
         */
        public boolean closeFrameReceived() {
            return code != NO_CLOSE_FRAME;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final URI uri;
    private byte[] buf = new byte[16 * 1024];
    private int start;
    private int end;
    private volatile boolean eof;

    private RawWebSocketClient(Socket socket, URI uri) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.uri = uri;
    }

    /**
     * Opens a TCP connection without any handshake, so the caller can send any request.
     *
     * @param uri the server's WebSocket URI ({@code ws://host:port/path}); only host and port are used; not null
     * @param timeout connect timeout; not null
     * @return the connected client
     * @throws IOException if the connection fails
     */
    public static RawWebSocketClient connect(URI uri, Duration timeout) throws IOException {
        return connect(uri, timeout, 0);
    }

    /**
     * Opens a TCP connection without any handshake, with a chosen receive buffer size. A small receive buffer makes a
     * client that stops reading fill up quickly, as the slow-consumer rules need.
     *
     * @param uri the server's WebSocket URI; not null
     * @param timeout connect timeout; not null
     * @param receiveBufferSize the socket receive buffer size in bytes, or 0 for the system default
     * @return the connected client
     * @throws IOException if the connection fails
     */
    public static RawWebSocketClient connect(URI uri, Duration timeout, int receiveBufferSize) throws IOException {
        Socket s = new Socket();
        try {
            if (receiveBufferSize > 0) {
                s.setReceiveBufferSize(receiveBufferSize);
            }
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), (int) Math.max(1, timeout.toMillis()));
            return new RawWebSocketClient(s, uri);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Connects and performs a well-formed upgrade, failing unless the server answers 101 with the correct
     * {@code Sec-WebSocket-Accept}.
     *
     * @param uri the server's WebSocket URI; not null
     * @param timeout timeout for connecting and for the response; not null
     * @return the open client
     * @throws IOException if the connection fails
     * @throws org.opentest4j.AssertionFailedError if the upgrade is refused or the accept key is wrong
     */
    public static RawWebSocketClient open(URI uri, Duration timeout) throws IOException {
        return open(uri, timeout, Map.of(), 0);
    }

    /**
     * Connects and performs a well-formed upgrade with extra request headers.
     *
     * @param uri the server's WebSocket URI; not null
     * @param timeout timeout for connecting and for the response; not null
     * @param extraHeaders headers added to the request (for example {@code Origin}); not null
     * @param receiveBufferSize the socket receive buffer size, or 0 for the default
     * @return the open client
     * @throws IOException if the connection fails
     * @throws org.opentest4j.AssertionFailedError if the upgrade is refused or the accept key is wrong
     */
    public static RawWebSocketClient open(URI uri, Duration timeout, Map<String, String> extraHeaders,
                                          int receiveBufferSize) throws IOException {
        RawWebSocketClient c = connect(uri, timeout, receiveBufferSize);
        try {
            String key = newKey();
            Map<String, String> headers = upgradeHeaders(uri, key);
            headers.putAll(extraHeaders);
            c.sendRaw(requestHead("GET", requestTarget(uri), "HTTP/1.1", headers));
            HttpResponse r = c.readHttpResponse(timeout);
            if (r.status() != 101) {
                throw new org.opentest4j.AssertionFailedError("expected 101 to a well-formed upgrade request, got: "
                        + r.statusLine());
            }
            String accept = r.header("Sec-WebSocket-Accept");
            if (!acceptFor(key).equals(accept)) {
                throw new org.opentest4j.AssertionFailedError("wrong Sec-WebSocket-Accept for key " + key
                        + ": expected " + acceptFor(key) + ", got " + accept);
            }
            return c;
        } catch (IOException | RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /**
     * Returns a fresh random {@code Sec-WebSocket-Key}: 16 random bytes in base64.
     *
     * @return the key
     */
    public static String newKey() {
        byte[] b = new byte[16];
        ThreadLocalRandom.current().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /**
     * Computes the {@code Sec-WebSocket-Accept} a server must answer to a key (RFC 6455 §4.2.2).
     *
     * @param key the {@code Sec-WebSocket-Key}; not null
     * @return base64 of SHA-1 of key + GUID
     */
    public static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(
                    sha1.digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }

    /**
     * Returns the headers of a well-formed upgrade request, in a mutable ordered map the caller may alter.
     *
     * @param uri the server's URI; not null
     * @param key the {@code Sec-WebSocket-Key}; not null
     * @return Host, Upgrade, Connection, Sec-WebSocket-Key and Sec-WebSocket-Version 13
     */
    public static Map<String, String> upgradeHeaders(URI uri, String key) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", uri.getHost() + ":" + uri.getPort());
        h.put("Upgrade", "websocket");
        h.put("Connection", "Upgrade");
        h.put("Sec-WebSocket-Key", key);
        h.put("Sec-WebSocket-Version", "13");
        return h;
    }

    /**
     * Returns the request target (path and query) of a URI.
     *
     * @param uri the URI; not null
     * @return for example {@code /ws?x=1}
     */
    public static String requestTarget(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    /**
     * Formats an HTTP request head.
     *
     * @param method the method, for example {@code GET}; not null
     * @param target the request target; not null
     * @param version the HTTP version, for example {@code HTTP/1.1}; not null
     * @param headers the headers in order; not null
     * @return the bytes of the request line, headers and the blank line
     */
    public static byte[] requestHead(String method, String target, String version, Map<String, String> headers) {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(target).append(' ').append(version).append("\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Encodes a frame as a client would put it on the wire; a masked frame gets a random masking key.
     *
     * @param frame the frame; not null
     * @return the encoded bytes
     */
    public static byte[] encode(Frame frame) {
        byte[] p = frame.payload();
        int len = p.length;
        int headerLength = 2 + (len <= 125 ? 0 : len <= 0xFFFF ? 2 : 8) + (frame.masked() ? 4 : 0);
        byte[] b = new byte[headerLength + len];
        b[0] = (byte) ((frame.fin() ? 0x80 : 0) | (frame.rsv() << 4) | frame.opcode());
        int i = 2;
        int maskBit = frame.masked() ? 0x80 : 0;
        if (len <= 125) {
            b[1] = (byte) (maskBit | len);
        } else if (len <= 0xFFFF) {
            b[1] = (byte) (maskBit | 126);
            b[i++] = (byte) (len >>> 8);
            b[i++] = (byte) len;
        } else {
            b[1] = (byte) (maskBit | 127);
            long l = len;
            for (int k = 0; k < 8; k++) {
                b[i++] = (byte) (l >>> (56 - 8 * k));
            }
        }
        if (frame.masked()) {
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            System.arraycopy(mask, 0, b, i, 4);
            i += 4;
            for (int k = 0; k < len; k++) {
                b[i + k] = (byte) (p[k] ^ mask[k & 3]);
            }
        } else {
            System.arraycopy(p, 0, b, i, len);
        }
        return b;
    }

    /**
     * Returns the URI this client connected to.
     *
     * @return the URI; never null
     */
    public URI uri() {
        return uri;
    }

    /**
     * Writes bytes as they are.
     *
     * @param bytes the bytes; not null
     * @throws IOException if the write fails, for example because the server closed the connection
     */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Writes one frame.
     *
     * @param frame the frame; not null
     * @throws IOException if the write fails
     */
    public void sendFrame(Frame frame) throws IOException {
        sendRaw(encode(frame));
    }

    /**
     * Writes one frame built from its fields.
     *
     * @param fin FIN bit
     * @param rsv RSV bits, 0 to 7
     * @param opcode opcode, 0 to 15
     * @param masked whether to mask it
     * @param payload the payload; not null
     * @throws IOException if the write fails
     */
    public void sendFrame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) throws IOException {
        sendFrame(new Frame(fin, rsv, opcode, masked, payload));
    }

    /**
     * Sends a masked, final text frame.
     *
     * @param text the text; not null
     * @throws IOException if the write fails
     */
    public void sendText(String text) throws IOException {
        sendFrame(Frame.of(OP_TEXT, text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Sends a masked, final binary frame.
     *
     * @param data the payload; not null
     * @throws IOException if the write fails
     */
    public void sendBinary(byte[] data) throws IOException {
        sendFrame(Frame.of(OP_BINARY, data));
    }

    /**
     * Sends a masked close frame with a code and reason.
     *
     * @param code any 16-bit code, valid or not
     * @param reason the reason; not null
     * @throws IOException if the write fails
     */
    public void sendClose(int code, String reason) throws IOException {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        sendFrame(Frame.of(OP_CLOSE, p));
    }

    /**
     * Reads an HTTP response head (up to the blank line). Bytes after it stay buffered for {@link #readFrame}.
     *
     * @param timeout the most to wait for the whole head; not null
     * @return the response
     * @throws IOException if reading fails
     * @throws SocketTimeoutException if the head did not arrive in time
     * @throws EOFException if the server closed the connection before the head was complete
     */
    public HttpResponse readHttpResponse(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int headEnd;
        while ((headEnd = indexOfBlankLine()) < 0) {
            if (end - start > MAX_HTTP_HEAD) {
                throw new IOException("HTTP response head longer than " + MAX_HTTP_HEAD + " bytes");
            }
            int r = fill(deadline);
            if (r == 0) {
                throw new SocketTimeoutException("no complete HTTP response within " + timeout.toMillis() + " ms; got "
                        + (end - start) + " bytes: " + preview());
            }
            if (r < 0) {
                throw new EOFException("connection closed before a complete HTTP response; got " + (end - start)
                        + " bytes: " + preview());
            }
        }
        String head = new String(buf, start, headEnd - start, StandardCharsets.ISO_8859_1);
        start = headEnd + 4;
        String[] lines = head.split("\r\n");
        String statusLine = lines[0];
        int status = -1;
        String[] parts = statusLine.split(" ", 3);
        if (parts.length >= 2 && parts[0].startsWith("HTTP/")) {
            try {
                status = Integer.parseInt(parts[1].trim());
            } catch (NumberFormatException e) {
                status = -1;
            }
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
        }
        return new HttpResponse(statusLine, status, headers);
    }

    /**
     * Reads the next frame.
     *
     * @param timeout the most to wait for a complete frame; not null
     * @return the frame, or {@code null} if none was complete in time (partial bytes stay buffered)
     * @throws EOFException if the server closed the connection
     * @throws IOException if reading fails or the frame is malformed
     */
    public Frame readFrame(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame f = tryParseFrame();
            if (f != null) {
                return f;
            }
            int r = fill(deadline);
            if (r == 0) {
                return null;
            }
            if (r < 0) {
                throw new EOFException("connection closed by the server" + (end > start ? " mid-frame" : ""));
            }
        }
    }

    /**
     * Reads the next complete data message, reassembling fragments and answering pings with pongs. Pongs are skipped.
     * A close frame is returned as it is.
     *
     * @param timeout the most to wait for the whole message; not null
     * @return a final frame with opcode text, binary or close whose payload is the whole message, or {@code null} if
     *         none arrived in time
     * @throws EOFException if the server closed the connection
     * @throws IOException if reading fails or the server's framing is wrong
     */
    public Frame readMessage(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int opcode = -1;
        ByteArrayOutputStream data = null;
        while (true) {
            long left = deadline - System.nanoTime();
            Frame f = left <= 0 ? tryParseFrame() : readFrame(Duration.ofNanos(left));
            if (f == null) {
                return null;
            }
            if (f.opcode() == OP_PING) {
                sendFrame(Frame.of(OP_PONG, f.payload()));
                continue;
            }
            if (f.opcode() == OP_PONG) {
                continue;
            }
            if (f.opcode() == OP_CLOSE) {
                return f;
            }
            if (opcode < 0) {
                if (f.opcode() != OP_TEXT && f.opcode() != OP_BINARY) {
                    throw new IOException("server sent " + f + " where a new message must start");
                }
                if (f.fin()) {
                    return f;
                }
                opcode = f.opcode();
                data = new ByteArrayOutputStream();
                data.writeBytes(f.payload());
            } else {
                if (f.opcode() != OP_CONTINUATION) {
                    throw new IOException("server sent " + f + " inside a fragmented message");
                }
                data.writeBytes(f.payload());
                if (f.fin()) {
                    return new Frame(true, 0, opcode, false, data.toByteArray());
                }
            }
        }
    }

    /**
     * Reads until a close frame arrives (skipping and remembering data frames), then until the server closes TCP,
     * without answering the close.
     *
     * @param timeout the most to wait for both; not null
     * @return what was observed
     * @throws IOException if reading fails other than by the connection closing
     */
    public CloseResult awaitClose(Duration timeout) throws IOException {
        return awaitClose(timeout, false);
    }

    /**
     * Reads until a close frame arrives (skipping and remembering data frames, answering pings if asked), optionally
     * answers it with a close frame echoing its code as a well-behaved client does (RFC 6455 §5.5.1), then waits until
     * the server closes TCP.
     *
     * @param timeout the most to wait for both; not null
     * @param answer whether to answer pings and the close frame
     * @return what was observed
     * @throws IOException if reading fails other than by the connection closing
     */
    public CloseResult awaitClose(Duration timeout, boolean answer) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Frame> before = new ArrayList<>();
        Frame close = null;
        try {
            while (close == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return new CloseResult(NO_CLOSE_FRAME, "", false, before);
                }
                Frame f = readFrame(Duration.ofNanos(left));
                if (f == null) {
                    return new CloseResult(NO_CLOSE_FRAME, "", false, before);
                }
                if (f.opcode() == OP_CLOSE) {
                    close = f;
                } else {
                    before.add(f);
                    if (answer && f.opcode() == OP_PING) {
                        sendQuietly(Frame.of(OP_PONG, f.payload()));
                    }
                }
            }
        } catch (EOFException e) {
            return new CloseResult(NO_CLOSE_FRAME, "", true, before);
        }
        if (answer) {
            int code = close.closeCode();
            sendQuietly(Frame.of(OP_CLOSE, code == NO_CLOSE_FRAME || code == 1005 ? new byte[0]
                    : new byte[] {(byte) (code >>> 8), (byte) code}));
        }
        String reason = close.payload().length > 2
                ? new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8) : "";
        boolean tcp = awaitTcpClose(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        return new CloseResult(close.closeCode(), reason, tcp, before);
    }

    private void sendQuietly(Frame f) {
        try {
            sendFrame(f);
        } catch (IOException ignored) {
            // the server may already have closed TCP; what matters is what it sent
        }
    }

    /**
     * Waits for the server to close TCP, discarding anything else it sends.
     *
     * @param timeout the most to wait; not null
     * @return whether the connection reached end of stream (or was reset) in time
     * @throws IOException if reading fails other than by the connection closing
     */
    public boolean awaitTcpClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            start = end;
            int r = fill(deadline);
            if (r < 0) {
                return true;
            }
            if (r == 0) {
                return eof;
            }
        }
    }

    /**
     * Returns whether this client has seen the server close TCP.
     *
     * @return {@code true} after end of stream or a reset was read
     */
    public boolean isTcpClosed() {
        return eof;
    }

    /** Closes the socket. Idempotent; any thread may call it. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing useful to do: the socket is gone either way
        }
    }

    @Override
    public String toString() {
        return "RawWebSocketClient[" + socket.getLocalSocketAddress() + " -> " + uri + "]";
    }

    // ------------------------------------------------------------------------------------------------ internals

    /** Reads more bytes; returns the count read, 0 on timeout, -1 at end of stream. */
    private int fill(long deadlineNanos) throws IOException {
        if (eof) {
            return -1;
        }
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return 0;
        }
        if (start > 0 && start == end) {
            start = 0;
            end = 0;
        }
        if (end == buf.length) {
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            } else {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
        }
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000L)));
        int n;
        try {
            n = in.read(buf, end, buf.length - end);
        } catch (SocketTimeoutException e) {
            return 0;
        } catch (SocketException e) {
            if (socket.isClosed()) {
                throw e;
            }
            eof = true;
            return -1;
        }
        if (n < 0) {
            eof = true;
            return -1;
        }
        end += n;
        return n;
    }

    private Frame tryParseFrame() throws IOException {
        int avail = end - start;
        if (avail < 2) {
            return null;
        }
        int b0 = buf[start] & 0xFF;
        int b1 = buf[start + 1] & 0xFF;
        boolean masked = (b1 & 0x80) != 0;
        long len = b1 & 0x7F;
        int pos = start + 2;
        if (len == 126) {
            if (avail < 4) {
                return null;
            }
            len = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
            pos += 2;
        } else if (len == 127) {
            if (avail < 10) {
                return null;
            }
            len = 0;
            for (int k = 0; k < 8; k++) {
                len = (len << 8) | (buf[pos + k] & 0xFF);
            }
            pos += 8;
            if (len < 0 || len > Integer.MAX_VALUE - 64) {
                throw new IOException("server frame length " + len + " is not supported by this client");
            }
        }
        byte[] mask = null;
        if (masked) {
            if (end - pos < 4) {
                return null;
            }
            mask = Arrays.copyOfRange(buf, pos, pos + 4);
            pos += 4;
        }
        if (end - pos < len) {
            long need = pos - start + len;
            if (need > buf.length) {
                byte[] bigger = new byte[(int) Math.max(need, (long) buf.length * 2)];
                System.arraycopy(buf, start, bigger, 0, end - start);
                pos -= start;
                end -= start;
                start = 0;
                buf = bigger;
            }
            return null;
        }
        byte[] payload = Arrays.copyOfRange(buf, pos, pos + (int) len);
        if (mask != null) {
            for (int k = 0; k < payload.length; k++) {
                payload[k] ^= mask[k & 3];
            }
        }
        start = pos + (int) len;
        return new Frame((b0 & 0x80) != 0, (b0 >>> 4) & 7, b0 & 0x0F, masked, payload);
    }

    private int indexOfBlankLine() {
        for (int i = start; i + 3 < end; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private String preview() {
        if (end == start) {
            return "(nothing)";
        }
        int n = Math.min(end - start, 200);
        return new String(buf, start, n, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
    }
}
