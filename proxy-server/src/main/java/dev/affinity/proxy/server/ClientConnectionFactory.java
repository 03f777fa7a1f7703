package dev.affinity.proxy.server;

import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * Jetty's HTTP/1.1 server connections, each parsing its clients' requests with a
 * {@link ClientRequestParser} instead of Jetty's own parser; all else is Jetty's, as
 * {@link HttpConnectionFactory} makes it.
 */
final class ClientConnectionFactory extends HttpConnectionFactory {

    ClientConnectionFactory(HttpConfiguration configuration) {
        super(configuration);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        // As HttpConnectionFactory's, with the parser below.
        ClientConnection connection = new ClientConnection(getHttpConfiguration(), connector, endPoint);
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }

    /**
     * The parser for one connection's requests, set up as Jetty's HttpConnection sets up its own. Jetty's
     * own unless the settings are the proxy's (AffinityProxy.httpConfiguration()), under which
     * ClientRequestParserTest compares the two parsers: other compliance modes accept and spell some
     * requests otherwise, and a header cache per connection hands on fields of its own.
     */
    static HttpParser parser(HttpParser.RequestHandler handler, HttpConfiguration configuration,
            HttpCompliance compliance) {
        boolean proxys = compliance == HttpCompliance.RFC9110 && configuration.getHeaderCacheSize() == 0
                && !configuration.isHeaderCacheCaseSensitive();
        HttpParser parser = proxys
                ? new ClientRequestParser(handler, configuration.getRequestHeaderSize(), compliance)
                : new HttpParser(handler, configuration.getRequestHeaderSize(), compliance);
        parser.setHeaderCacheSize(configuration.getHeaderCacheSize());
        parser.setHeaderCacheCaseSensitive(configuration.isHeaderCacheCaseSensitive());
        return parser;
    }

    private static final class ClientConnection extends HttpConnection {
        ClientConnection(HttpConfiguration configuration, Connector connector, EndPoint endPoint) {
            super(configuration, connector, endPoint);
        }

        @Override
        protected HttpParser newHttpParser(HttpCompliance compliance) {
            // Jetty's own parser holds the connection's request handler, which is private to it.
            HttpParser.HttpHandler handler = super.newHttpParser(compliance).getHandler();
            return parser((HttpParser.RequestHandler) handler, getHttpConfiguration(), compliance);
        }
    }
}
