package io.wshub.transport.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.wshub.api.Endpoints;
import io.wshub.api.HandshakePolicy;
import io.wshub.api.RunningServer;
import io.wshub.api.ServerConfig;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code wss://} with a throwaway self-signed certificate made by the JDK's keytool. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class UndertowTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    Path dir;

    private KeyStore selfSigned() throws Exception {
        Path store = dir.resolve("server.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass",
                new String(PASSWORD), "-keypass", new String(PASSWORD)).redirectErrorStream(true).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
            assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        } finally {
            p.destroyForcibly();
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    @Test
    void shouldServeEchoOverTls() throws Exception {
        KeyStore ks = selfSigned();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        RunningServer server = new UndertowTransportProvider().start(ServerConfig.builder().host("127.0.0.1").port(0)
                .sslContext(serverTls).build(), Endpoints.echo(), HandshakePolicy.acceptAll());
        try {
            assertThat(server.uri().getScheme()).isEqualTo("wss");
            java.util.concurrent.BlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
            WebSocket ws = HttpClient.newBuilder().sslContext(clientTls).build().newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(server.uri(), new WebSocket.Listener() {
                        @Override
                        public java.util.concurrent.CompletionStage<?> onText(WebSocket w, CharSequence data,
                                                                              boolean last) {
                            got.add(data.toString());
                            w.request(1);
                            return null;
                        }
                    }).get(20, TimeUnit.SECONDS);
            ws.sendText("over tls", true).get(10, TimeUnit.SECONDS);
            assertThat(got.poll(15, TimeUnit.SECONDS)).isEqualTo("over tls");
            ws.abort();
        } finally {
            server.stop();
        }
    }

    @Test
    void shouldAnswer431OverTlsAndCloseASilentTlsConnectionAfterTheHandshakeTimeout() throws Exception {
        KeyStore ks = selfSigned();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        RunningServer server = new UndertowTransportProvider().start(ServerConfig.builder().host("127.0.0.1").port(0)
                .sslContext(serverTls).maxRequestHeaderSize(1024).handshakeTimeout(Duration.ofSeconds(1)).build(),
                Endpoints.echo(), HandshakePolicy.acceptAll());
        try {
            try (javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) clientTls.getSocketFactory()
                    .createSocket("127.0.0.1", server.port())) {
                tls.setSoTimeout(10_000);
                String request = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\nX-Big: " + "b".repeat(4096) + "\r\n\r\n";
                tls.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                String response = new String(tls.getInputStream().readAllBytes(),
                        java.nio.charset.StandardCharsets.UTF_8);
                assertThat(response).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n")
                        .contains("\r\nConnection: close\r\n");
            }
            long started = System.nanoTime();
            try (java.net.Socket silent = new java.net.Socket("127.0.0.1", server.port())) {
                silent.setSoTimeout(10_000);
                assertThat(silent.getInputStream().read()).as("closed without a byte").isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(500),
                        Duration.ofSeconds(8));
            }
        } finally {
            server.stop();
        }
    }
}
