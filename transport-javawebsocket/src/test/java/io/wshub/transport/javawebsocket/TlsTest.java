package io.wshub.transport.javawebsocket;

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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code wss://} with a self-signed certificate made by the JDK's keytool, driven by the JDK's WebSocket client. */
@Timeout(120)
class TlsTest {

    private static final Duration T = Duration.ofSeconds(20);
    private static final char[] PASSWORD = "changeit".toCharArray();

    private static KeyStore selfSigned(Path dir) throws Exception {
        Path ks = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", new String(PASSWORD),
                "-keypass", new String(PASSWORD))).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).as("keytool: %s", out).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    @Test
    void shouldServeEchoOverTls(@TempDir Path dir) throws Exception {
        KeyStore store = selfSigned(dir);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, PASSWORD);
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext clientCtx = SSLContext.getInstance("TLS");
        clientCtx.init(null, tmf.getTrustManagers(), null);

        RunningServer server = new JavaWebSocketTransportProvider().start(
                ServerConfig.builder().port(0).sslContext(serverCtx).build(), Endpoints.echo(),
                HandshakePolicy.acceptAll());
        try {
            assertThat(server.uri().getScheme()).isEqualTo("wss");
            CompletableFuture<String> got = new CompletableFuture<>();
            StringBuilder sb = new StringBuilder();
            WebSocket ws = HttpClient.newBuilder().sslContext(clientCtx).build().newWebSocketBuilder()
                    .buildAsync(server.uri(), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            sb.append(data);
                            if (last) {
                                got.complete(sb.toString());
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(T.toMillis(), TimeUnit.MILLISECONDS);
            String big = "secure ".repeat(20_000);
            ws.sendText(big, true).get(T.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(got.get(T.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(big);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(T.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            server.stop();
        }
    }
}
