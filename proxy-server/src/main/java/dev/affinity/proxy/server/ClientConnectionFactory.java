package dev.affinity.proxy.server;

import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The clients' HTTP/1.1 connections. Under the proxy's settings ({@link AffinityProxy#httpConfiguration()})
 * each starts as a {@link CommonRequestConnection}, which serves the requests of the common shape
 * itself and hands over to Jetty's connection at the first that is not. Jetty's connections parse
 * their clients' requests with a {@link ClientRequestParser} instead of Jetty's own parser; all else
 * is Jetty's, as {@link HttpConnectionFactory} makes it.
 */
final class ClientConnectionFactory extends HttpConnectionFactory {

    private final boolean commonRequests;
    private final FieldLines.Maker fieldMaker;

    ClientConnectionFactory(HttpConfiguration configuration) {
        this(configuration, true);
    }

    /**
     * @param commonRequests whether connections serve requests of the common shape themselves, where the
     *     settings allow it; false gives Jetty's connection for every request, which the tests compare with
     */
    ClientConnectionFactory(HttpConfiguration configuration, boolean commonRequests) {
        super(configuration);
        this.commonRequests = commonRequests && servesCommonRequests(configuration);
        this.fieldMaker = ClientRequestParser.fieldMaker(configuration.getRequestHeaderSize(),
                configuration.getHttpCompliance());
    }

    /**
     * Whether {@link CommonRequestConnection} can serve requests under these settings as Jetty's
     * connection would: the proxy's parser settings (see {@link #parser}), and none of what Jetty's
     * request state adds to every request or response (Server, X-Powered-By and Date fields, customizers).
     */
    static boolean servesCommonRequests(HttpConfiguration configuration) {
        return proxysParser(configuration, configuration.getHttpCompliance()) && !configuration.getSendServerVersion()
                && !configuration.getSendXPoweredBy() && !configuration.getSendDateHeader()
                && configuration.getCustomizers().isEmpty();
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        // What CommonRequestConnection never does: TLS, a request log, compliance listeners, or a handler
        // that may block, which Jetty's connection would run off the selector.
        Server server = connector.getServer();
        if (commonRequests && !endPoint.isSecure() && server.getRequestLog() == null
                && getHttpConfiguration().getComplianceViolationListeners().isEmpty()
                && server.getInvocationType() == Invocable.InvocationType.NON_BLOCKING) {
            return configure(new CommonRequestConnection(connector, getHttpConfiguration(), endPoint, fieldMaker,
                    getTransferEncodingChunkMaxLength(), () -> jettyConnection(connector, endPoint)), connector, endPoint);
        }
        return jettyConnection(connector, endPoint);
    }

    private Connection jettyConnection(Connector connector, EndPoint endPoint) {
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
        HttpParser parser = proxysParser(configuration, compliance)
                ? new ClientRequestParser(handler, configuration.getRequestHeaderSize(), compliance)
                : new HttpParser(handler, configuration.getRequestHeaderSize(), compliance);
        parser.setHeaderCacheSize(configuration.getHeaderCacheSize());
        parser.setHeaderCacheCaseSensitive(configuration.isHeaderCacheCaseSensitive());
        return parser;
    }

    private static boolean proxysParser(HttpConfiguration configuration, HttpCompliance compliance) {
        return compliance == HttpCompliance.RFC9110 && configuration.getHeaderCacheSize() == 0
                && !configuration.isHeaderCacheCaseSensitive();
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
