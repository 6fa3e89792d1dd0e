package io.wshub.api.spi;

import io.wshub.api.HandshakeRequest;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link UpgradeValidator#validate} decided: {@link Accept} (upgrade, with this subprotocol and these attributes,
 * in a connection slot the transport gives back with {@link UpgradeValidator#release()}) or {@link Reject} (answer this HTTP status, reason and headers, and close).
 *
 * <p>Thread-safety: immutable.
 */
public sealed interface UpgradeDecision permits UpgradeDecision.Accept, UpgradeDecision.Reject {

    /**
     * Upgrade the connection.
     *
     * @param request the request, as the session will keep it; never null
     * @param subprotocol the negotiated subprotocol to answer with, or null for none
     * @param attributes the session's initial attributes from the policy; never null
     */
    record Accept(HandshakeRequest request, String subprotocol, Map<String, Object> attributes)
            implements UpgradeDecision {
        /**
         * Validates.
         *
         * @param request not null
         * @param subprotocol may be null
         * @param attributes not null
         */
        public Accept {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(attributes, "attributes");
        }
    }

    /**
     * Answer with an HTTP error and close the connection.
     *
     * @param status the HTTP status, 400 to 599
     * @param reason a short reason for the body and logs; never null
     * @param headers extra response headers ({@code Allow}, {@code Sec-WebSocket-Version}); never null
     */
    record Reject(int status, String reason, Map<String, String> headers) implements UpgradeDecision {
        /**
         * Validates.
         *
         * @param status 400 to 599
         * @param reason not null
         * @param headers not null
         */
        public Reject {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("a rejection's status must be 400 to 599, was " + status);
            }
            Objects.requireNonNull(reason, "reason");
            headers = Map.copyOf(headers);
        }

        /**
         * Returns the whole HTTP/1.1 response for this rejection, for a transport that writes to the connection itself:
         * the status line, {@link #headers()}, {@code Content-Type: text/plain; charset=utf-8}, {@code Content-Length},
         * {@code Connection: close} (the transport closes the connection once it is written) and a one-line body with
         * the status and the reason.
         *
         * @return the response's bytes, a new array
         */
        public byte[] toHttpResponse() {
            byte[] body = (status + " " + reasonPhrase() + ": " + reason + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(256).append("HTTP/1.1 ").append(status).append(' ')
                    .append(reasonPhrase()).append("\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("Content-Type: text/plain; charset=utf-8\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n")
                    .append("Connection: close\r\n\r\n");
            byte[] h = head.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            byte[] out = java.util.Arrays.copyOf(h, h.length + body.length);
            System.arraycopy(body, 0, out, h.length, body.length);
            return out;
        }

        /**
         * Returns the standard reason phrase of the status, for the status line.
         *
         * @return the phrase, such as {@code Service Unavailable}
         */
        public String reasonPhrase() {
            return reasonPhrase(status);
        }

        /**
         * Returns the standard reason phrase of an HTTP error status.
         *
         * @param status the status
         * @return the phrase; a generic one for statuses without a common phrase
         */
        public static String reasonPhrase(int status) {
            switch (status) {
                case 400:
                    return "Bad Request";
                case 401:
                    return "Unauthorized";
                case 403:
                    return "Forbidden";
                case 404:
                    return "Not Found";
                case 405:
                    return "Method Not Allowed";
                case 408:
                    return "Request Timeout";
                case 426:
                    return "Upgrade Required";
                case 429:
                    return "Too Many Requests";
                case 431:
                    return "Request Header Fields Too Large";
                case 500:
                    return "Internal Server Error";
                case 503:
                    return "Service Unavailable";
                default:
                    return status < 500 ? "Client Error" : "Server Error";
            }
        }
    }
}
