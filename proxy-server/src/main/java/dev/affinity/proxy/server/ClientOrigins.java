package dev.affinity.proxy.server;

import dev.affinity.proxy.config.ServerName;
import dev.affinity.proxy.rewrite.ClientOrigin;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * Works out the origin a client used, for URLs that ProxyPassReverse makes absolute. As httpd with
 * its default UseCanonicalName Off: the host of the Host header; its port, or else ServerName's port,
 * or else the scheme's default; with no Host header at all, ServerName, or else the local address.
 */
final class ClientOrigins {

    private final Optional<ServerName> serverName;

    ClientOrigins(Optional<ServerName> serverName) {
        this.serverName = serverName;
    }

    ClientOrigin of(Request request) {
        String scheme = serverName.flatMap(ServerName::scheme).orElse(request.isSecure() ? "https" : "http");
        int defaultPort = "https".equals(scheme) ? 443 : 80;
        String hostHeader = request.getHeaders().get(HttpHeader.HOST);
        if (hostHeader == null || hostHeader.isBlank()) {
            String host = serverName.map(ServerName::host).orElse(Request.getLocalAddr(request));
            int port = serverName.flatMap(s -> s.port().isPresent() ? Optional.of(s.port().getAsInt()) : Optional.empty())
                    .orElse(Request.getLocalPort(request));
            return new ClientOrigin(scheme, host, port);
        }
        String host = hostHeader.strip();
        int port = -1;
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && host.indexOf(']', colon) < 0) {
            try {
                port = Integer.parseInt(host.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            host = host.substring(0, colon);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (port < 0) {
            port = serverName.filter(s -> s.port().isPresent()).map(s -> s.port().getAsInt()).orElse(defaultPort);
        }
        return new ClientOrigin(scheme, host, port);
    }
}
