package dev.affinity.proxy.server;

import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.config.ViaMode;
import java.net.SocketAddress;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;

/**
 * The request headers a proxy adds or removes, as httpd's mod_proxy_http does: Host unless
 * ProxyPreserveHost, X-Forwarded-For/-Host/-Server when ProxyAddHeaders is On (each appended to what
 * an earlier proxy sent, separated by {@code ", "}), and Via per ProxyVia. httpd sends no
 * {@code Forwarded} header, so neither does Affinity.
 */
final class ForwardingHeaders {


    private final boolean preserveHost;
    private final boolean addHeaders;
    private final ViaMode via;
    private final String serverHost;
    private final String version;
    /** X-Forwarded-Server's field when no earlier proxy sent one: the same for every request. */
    private final HttpField forwardedServer;

    /**
     * @param serverHost the proxy's name: ServerName's host, or the machine's name
     * @param version    Affinity's version, for {@code ProxyVia Full}
     */
    ForwardingHeaders(ProxyConfig config, String serverHost, String version) {
        this.preserveHost = config.preserveHost();
        this.addHeaders = config.addHeaders();
        this.via = config.via();
        this.serverHost = serverHost;
        this.version = version;
        this.forwardedServer = new HttpField(HttpHeader.X_FORWARDED_SERVER, serverHost);
    }

    /**
     * Tells a draining member's node that it drains (the filter's drain handshake). Never taken from
     * a client: a copy it sends is removed.
     */
    static final String DRAIN_HEADER = "X-Affinity-Drain";

    /** The connection's attribute that holds its client's address, as X-Forwarded-For names it. */
    private static final String CLIENT_ADDRESS = ForwardingHeaders.class.getName() + ".clientAddress";

    /**
     * Applies the rules to the headers copied from the client, on either backend leg (hop-by-hop ones
     * already gone), for the exchange's current attempt: its member, its {@link #via} value and its
     * Max-Forwards.
     */
    void apply(Request clientToProxyRequest, Exchange exchange, HttpFields.Mutable headers) {
        Member member = exchange.member;
        if (exchange.maxForwards != null) {
            headers.put(HttpHeader.MAX_FORWARDS, exchange.maxForwards);
        }
        headers.remove(DRAIN_HEADER);
        if (member.draining()) {
            headers.put(DRAIN_HEADER, "on");
        }
        if (!preserveHost || !Fields.has(headers, HttpHeader.HOST)) {
            // The member's host:port, as httpd sends it, and as HttpClient would for a client that sent
            // none (HTTP/1.0 under ProxyPreserveHost); set here so neither leg builds it from a URI.
            headers.put(HttpHeader.HOST, member.hostHeader());
        }
        if (addHeaders) {
            append(headers, HttpHeader.X_FORWARDED_FOR, clientAddress(clientToProxyRequest));
            String host = clientToProxyRequest.getHeaders().get(HttpHeader.HOST);
            if (host != null) {
                append(headers, HttpHeader.X_FORWARDED_HOST, host);
            }
            append(headers, forwardedServer);
        }
        if (exchange.via != null) {
            append(headers, HttpHeader.VIA, exchange.via);
        } else if (via == ViaMode.BLOCK) {
            headers.remove(HttpHeader.VIA);
        }
        if (!member.config().reuse()) {
            // httpd's disablereuse: the member is told, and the connection closes after this exchange
            // (HttpClient closes one whose request said close; BackendConnection keeps none that did).
            headers.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
    }

    /**
     * The Via value a request adds to what it forwards and to its response, or null when ProxyVia
     * adds none: httpd's line of the client's HTTP version, the proxy's name, and the port the client
     * named unless it is 80, e.g. {@code 1.1 proxy.example:8080}; Full adds the product as a comment.
     * Worked out once per request, for both directions and every attempt.
     */
    String via(Request clientToProxyRequest, Exchange exchange) {
        if (via != ViaMode.ON && via != ViaMode.FULL) {
            return null;
        }
        String protocol = clientToProxyRequest.getConnectionMetaData().getProtocol();
        String httpVersion = protocol.startsWith("HTTP/") ? protocol.substring(5) : protocol;
        int port = exchange.origin().port();
        String line = httpVersion + " " + serverHost + (port == 80 ? "" : ":" + port);
        return via == ViaMode.FULL ? line + " (Affinity/" + version + ")" : line;
    }

    /**
     * The client's address as X-Forwarded-For names it, worked out once per connection: Jetty formats
     * it anew for each request. Kept with the address it was made from, and used only while the
     * connection reports that same address (a customizer that names another client per request gets
     * its own).
     */
    private static String clientAddress(Request request) {
        ConnectionMetaData connection = request.getConnectionMetaData();
        SocketAddress remote = connection.getRemoteSocketAddress();
        if (connection.getAttribute(CLIENT_ADDRESS) instanceof ClientAddress known && known.from() == remote) {
            return known.formatted();
        }
        String address = Request.getRemoteAddr(request);
        connection.setAttribute(CLIENT_ADDRESS, address == null ? null : new ClientAddress(remote, address));
        return address;
    }

    /** A client's address, and that address as X-Forwarded-For names it. */
    private record ClientAddress(SocketAddress from, String formatted) {
    }

    private static void append(HttpFields.Mutable headers, HttpHeader header, String value) {
        append(headers, new HttpField(header, value));
    }

    /** Adds the field, or appends its value to what an earlier proxy sent, separated by {@code ", "}. */
    private static void append(HttpFields.Mutable headers, HttpField field) {
        HttpHeader header = field.getHeader();
        // The usual case, checked without building the list of values: nothing to append to.
        if (!Fields.has(headers, header)) {
            headers.add(field);
            return;
        }
        List<String> previous = headers.getValuesList(header);
        headers.put(new HttpField(header, String.join(", ", previous) + ", " + field.getValue()));
    }
}
