package dev.affinity.proxy.config;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.balancer.BalancerConfig;
import dev.affinity.proxy.balancer.HealthExpression;
import dev.affinity.proxy.balancer.MemberConfig;
import dev.affinity.proxy.balancer.StickySession;
import dev.affinity.proxy.rewrite.CookieRule;
import dev.affinity.proxy.testing.HttpdTutorial;
import dev.affinity.proxy.rewrite.ProxyPass;
import dev.affinity.proxy.rewrite.ProxyPassTable;
import dev.affinity.proxy.rewrite.ReverseRule;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ConfigReaderTest {

    /** A name with a directory in it, to show messages carry the name exactly as it was given. */
    private static final String FILE = "conf/affinity.conf";

    /** Two members and a ProxyPass, for tests that add one directive to a working config. */
    private static final String CLUSTER = """
            <Proxy balancer://mycluster>
                BalancerMember http://127.0.0.1:9001 route=node1
                BalancerMember http://127.0.0.1:9002 route=node2
            </Proxy>
            ProxyPass / balancer://mycluster/
            """;

    private static ProxyConfig parse(String text) {
        return ConfigReader.parse(FILE, text);
    }

    @Test
    void theTutorialConfigParses() {
        ProxyConfig config = parse(HttpdTutorial.config());

        assertEquals(Set.of("mycluster"), config.balancers().keySet());
        BalancerConfig mycluster = config.balancers().get("mycluster");
        assertEquals(List.of("http://127.0.0.1:9001", "http://127.0.0.1:9002"),
                mycluster.members().stream().map(m -> m.url().toString()).toList());
        assertEquals(List.of("node1", "node2"), mycluster.members().stream().map(MemberConfig::route).toList());
        assertEquals(Optional.of("BALANCEID"), mycluster.stickySession());

        assertEquals(1, config.proxyPass().size());
        ProxyPass rule = config.proxyPass().get(0);
        assertTrue(rule.regex());
        assertEquals("^(/.*)$", rule.pattern());
        assertEquals(Optional.of("balancer://mycluster$1"), rule.target());
        assertEquals(new SourceLocation(FILE, 11), rule.where());

        assertEquals(List.of(new ReverseRule("/", "http://127.0.0.1:9001/"), new ReverseRule("/", "http://127.0.0.1:9002/")),
                config.reverse());
        assertEquals(List.of(new CookieRule("127.0.0.1", "localhost")), config.cookieDomains());
        assertEquals(List.of(), config.cookiePaths());
        assertEquals(List.of(), config.listen(), "Listen is the command line's business");
        assertEquals(ProxyConfig.DEFAULT_TIMEOUT, config.timeout());
    }

    @Test
    void theTutorialMapsEveryPathOntoItsBalancer() {
        ProxyPassTable table = new ProxyPassTable(parse(HttpdTutorial.config()).proxyPass());

        ProxyPass.Outcome outcome = table.map("/shop/cart", "item=3").orElseThrow();

        assertEquals("balancer://mycluster/shop/cart?item=3", assertInstanceOf(ProxyPass.Mapped.class, outcome).url());
    }

    @Nested
    class Syntax {

        @Test
        void directiveAndSectionNamesAreCaseInsensitive() {
            ProxyConfig config = parse("""
                    <proxy balancer://mycluster>
                        BALANCERMEMBER http://127.0.0.1:9001 ROUTE=node1
                        proxyset StickySession=BALANCEID
                    </PROXY>
                    proxypass / balancer://mycluster/
                    """);

            BalancerConfig mycluster = config.balancers().get("mycluster");
            assertEquals("node1", mycluster.members().get(0).route());
            assertEquals(Optional.of("BALANCEID"), mycluster.stickySession());
        }

        @Test
        void commentLinesAndBlankLinesAreSkipped() {
            ProxyConfig config = parse("""
                    # the cluster
                    <Proxy balancer://mycluster>

                        # first node
                        BalancerMember http://127.0.0.1:9001 route=node1
                    </Proxy>
                       # indented comment
                    ProxyPass / balancer://mycluster/
                    """);

            assertEquals(1, config.balancers().get("mycluster").members().size());
            assertEquals(new SourceLocation(FILE, 8), config.proxyPass().get(0).where());
        }

        @Test
        void argumentsMayBeQuotedWithDoubleOrSingleQuotes() {
            ProxyConfig config = parse("""
                    <Proxy "balancer://mycluster">
                        BalancerMember 'http://127.0.0.1:9001' "route=node1"
                    </Proxy>
                    ProxyPass "/my app" 'balancer://mycluster/'
                    ProxyPassReverseCookieDomain "127.0.0.1" 'localhost'
                    """);

            // Kept in the form request paths are compared in, as a request for it arrives: /my%20app.
            assertEquals("/my%20app", config.proxyPass().get(0).pattern());
            assertEquals(Optional.of("balancer://mycluster/"), config.proxyPass().get(0).target());
            assertEquals(List.of(new CookieRule("127.0.0.1", "localhost")), config.cookieDomains());
        }

        @Test
        void aBackslashContinuesADirectiveOnTheNextLine() {
            ProxyConfig config = parse("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001 \\
                            route=node1 loadfactor=2
                    </Proxy>
                    ProxyPass / balancer://mycluster/
                    """);

            MemberConfig member = config.balancers().get("mycluster").members().get(0);
            assertEquals("node1", member.route());
            assertEquals(2, member.loadFactor());
            assertEquals(new SourceLocation(FILE, 5), config.proxyPass().get(0).where(),
                    "lines after a continuation keep their own numbers");
        }

        @Test
        void balancerMemberAndProxySetOutsideTheSectionNameTheirBalancerFirst() {
            ProxyConfig config = parse(CLUSTER + """
                    BalancerMember balancer://mycluster http://127.0.0.1:9003 route=node3 loadfactor=3
                    ProxySet balancer://mycluster stickysession=BALANCEID nofailover=On
                    """);

            BalancerConfig mycluster = config.balancers().get("mycluster");
            assertEquals(List.of("node1", "node2", "node3"), mycluster.members().stream().map(MemberConfig::route).toList());
            assertEquals(3, mycluster.members().get(2).loadFactor());
            assertEquals(Optional.of("BALANCEID"), mycluster.stickySession());
            assertTrue(mycluster.noFailover());
        }

        @Test
        void proxyPassKeysOnABalancerUrlSetTheBalancer() {
            ProxyConfig config = parse(CLUSTER + """
                    ProxyPass /app balancer://mycluster stickysession=JSESSIONID|jsessionid nofailover=On
                    """);

            BalancerConfig mycluster = config.balancers().get("mycluster");
            assertTrue(mycluster.noFailover());
            StickySession sticky = mycluster.sticky().orElseThrow();
            assertEquals("JSESSIONID", sticky.cookieName());
            assertEquals("jsessionid", sticky.urlName());
        }

        @Test
        void proxyPassToAPlainUrlMakesAOneMemberBalancerKeyedByOrigin() {
            ProxyConfig config = parse("""
                    ProxyPass /api http://127.0.0.1:9001/api timeout=5 retry=0 ttl=30
                    """);

            BalancerConfig direct = config.balancers().get(ProxyConfig.directKey("http://127.0.0.1:9001"));
            assertEquals(1, direct.members().size(), () -> "balancers: " + config.balancers().keySet());
            MemberConfig member = direct.members().get(0);
            assertEquals("http://127.0.0.1:9001", member.origin());
            assertEquals(Optional.of(Duration.ofSeconds(5)), member.timeout());
            assertEquals(Duration.ZERO, member.retry());
            assertEquals(Optional.of(Duration.ofSeconds(30)), member.ttl());
        }

        @Test
        void proxyPassBangExcludesAPath() {
            ProxyConfig config = parse("""
                    ProxyPass /static !
                    """ + CLUSTER);

            ProxyPass exclusion = config.proxyPass().get(0);
            assertEquals("/static", exclusion.pattern());
            assertEquals(Optional.empty(), exclusion.target());
            assertInstanceOf(ProxyPass.Excluded.class,
                    new ProxyPassTable(config.proxyPass()).map("/static/logo.png", null).orElseThrow());
        }

        @Test
        void proxyTimeoutWinsOverTimeoutWhicheverComesFirst() {
            assertEquals(Duration.ofSeconds(5), parse(CLUSTER + "ProxyTimeout 5\nTimeout 30\n").timeout());
            assertEquals(Duration.ofSeconds(5), parse(CLUSTER + "Timeout 30\nProxyTimeout 5\n").timeout());
            assertEquals(Duration.ofSeconds(30), parse(CLUSTER + "Timeout 30\n").timeout());
            assertEquals(Duration.ofSeconds(60), parse(CLUSTER).timeout(), "httpd's default");
        }

        @Test
        void listenTakesHttpdsAddressForms() {
            ProxyConfig config = parse(CLUSTER + """
                    Listen 8080
                    Listen 127.0.0.1:8081
                    Listen [::1]:8082
                    Listen 8083 http
                    """);

            assertEquals(List.of(new ListenAddress("", 8080), new ListenAddress("127.0.0.1", 8081),
                    new ListenAddress("::1", 8082), new ListenAddress("", 8083)), config.listen());
        }

        @Test
        void serverNameIsReadWithItsPort() {
            ServerName name = parse(CLUSTER + "ServerName proxy.test:8080\n").serverName().orElseThrow();

            assertEquals("proxy.test", name.host());
            assertEquals(OptionalInt.of(8080), name.port());
            assertEquals(Optional.empty(), name.scheme());
        }

        @Test
        void viaPreserveHostAndAddHeadersHaveHttpdsDefaultsAndCanBeSet() {
            ProxyConfig defaults = parse(CLUSTER);
            assertAll(
                    () -> assertEquals(ViaMode.OFF, defaults.via()),
                    () -> assertFalse(defaults.preserveHost()),
                    () -> assertTrue(defaults.addHeaders()));

            ProxyConfig set = parse(CLUSTER + """
                    ProxyVia Full
                    ProxyPreserveHost On
                    ProxyAddHeaders off
                    ProxyRequests Off
                    """);
            assertAll(
                    () -> assertEquals(ViaMode.FULL, set.via()),
                    () -> assertTrue(set.preserveHost()),
                    () -> assertFalse(set.addHeaders()));
        }

        @Test
        void traceEnableIsOnByDefaultAndOffRefusesTrace() {
            assertTrue(parse(CLUSTER).traceEnabled());
            assertFalse(parse(CLUSTER + "TraceEnable Off\n").traceEnabled());
            assertTrue(parse(CLUSTER + "TraceEnable on\n").traceEnabled());
            assertTrue(parse(CLUSTER + "TraceEnable extended\n").traceEnabled());
        }

        @Test
        void aVirtualHostIsFlattenedIntoTheWholeProxy() {
            ProxyConfig config = parse("""
                    Listen 8080
                    <VirtualHost *:8080>
                        ServerName proxy.test
                        <Proxy balancer://mycluster>
                            BalancerMember http://127.0.0.1:9001 route=node1
                        </Proxy>
                        ProxyPass / balancer://mycluster/
                        ProxyPassReverse / balancer://mycluster/
                    </VirtualHost>
                    """);

            assertEquals("proxy.test", config.serverName().orElseThrow().host());
            assertEquals(Set.of("mycluster"), config.balancers().keySet());
            assertEquals(new SourceLocation(FILE, 7), config.proxyPass().get(0).where());
            assertEquals(List.of(new ReverseRule("/", "http://127.0.0.1:9001/")), config.reverse());
        }

        @Test
        void ifModuleIsProcessedAndItsNegationSkipped() {
            ProxyConfig config = parse("""
                    <IfModule mod_proxy.c>
                        ProxyPass /static !
                    </IfModule>
                    <IfModule !mod_proxy.c>
                        ProxyRequests On
                    </IfModule>
                    """ + CLUSTER);

            assertEquals(List.of("/static", "/"), config.proxyPass().stream().map(ProxyPass::pattern).toList());
        }

        @Test
        void directorySectionsAreIgnored() {
            ProxyConfig config = parse(CLUSTER + """
                    <Directory /var/www>
                        Options Indexes FollowSymLinks
                        AllowOverride None
                        Require all granted
                    </Directory>
                    """);

            assertEquals(1, config.proxyPass().size());
        }

        @Test
        void requireAllGrantedInsideProxyIsAccepted() {
            ProxyConfig config = parse("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001
                        Require all granted
                    </Proxy>
                    <Proxy *>
                        Order deny,allow
                        Allow from all
                    </Proxy>
                    ProxyPass / balancer://mycluster/
                    """);

            assertEquals(Set.of("mycluster"), config.balancers().keySet());
        }

        @Test
        void directivesOfOtherModulesAreAccepted() {
            ProxyConfig config = parse(CLUSTER + """
                    ServerRoot /etc/httpd
                    DocumentRoot /var/www
                    User www-data
                    Group www-data
                    ServerAdmin admin@example.test
                    ErrorLog logs/error_log
                    LogLevel warn
                    """);

            assertEquals(1, config.proxyPass().size());
        }
    }

    @Nested
    class HttpdDefaults {

        @Test
        void listenStarBindsEveryInterface() {
            assertEquals(new ListenAddress("", 8080), ListenAddress.parse("*:8080"));
        }

        @Test
        void maxattemptsDefaultsToOneLessThanTheMembersOrOne() {
            ProxyConfig config = parse("""
                    BalancerMember balancer://one http://127.0.0.1:9001
                    BalancerMember balancer://three http://127.0.0.1:9001
                    BalancerMember balancer://three http://127.0.0.1:9002
                    BalancerMember balancer://three http://127.0.0.1:9003
                    ProxyPass /one balancer://one
                    ProxyPass /three balancer://three
                    """);
            assertEquals(1, config.balancers().get("one").effectiveMaxAttempts());
            assertEquals(2, config.balancers().get("three").effectiveMaxAttempts());
        }

        @Test
        void aPlainWorkerKeepsItsRetryWindowBecauseItIsNotForcedToRecover() {
            ProxyConfig config = parse("ProxyPass / http://127.0.0.1:9001/ retry=30\n");
            BalancerConfig direct = config.balancers().get(ProxyConfig.directKey("http://127.0.0.1:9001"));
            assertFalse(direct.forceRecovery());
        }
    }

    @Nested
    class Errors {

        @Test
        void unknownBalancerKey() {
            assertRejected("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001
                        ProxySet colour=blue
                    </Proxy>
                    """, 3, "unknown balancer key 'colour'", "expected: stickysession");
        }

        @Test
        void unknownMemberKey() {
            assertRejected("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001 weight=2
                    </Proxy>
                    """, 2, "unknown member key 'weight'", "expected: route, loadfactor");
        }

        @Test
        void httpdKeyThatAffinityDoesNotImplementIsNamedAsSuch() {
            assertRejected("""
                    BalancerMember balancer://mycluster http://127.0.0.1:9001 keepalive=On
                    """, 1, "'keepalive' is an httpd key that Affinity does not support yet");
        }

        @Test
        void disablereuseAndEnablereuseSayTheSameTheOtherWayRound() {
            ProxyConfig config = ConfigReader.parse("conf/affinity.conf", """
                    <Proxy balancer://c>
                        BalancerMember http://127.0.0.1:9001 disablereuse=On
                        BalancerMember http://127.0.0.1:9002 enablereuse=off
                        BalancerMember http://127.0.0.1:9003 disablereuse=Off
                        BalancerMember http://127.0.0.1:9004
                    </Proxy>
                    ProxyPass / balancer://c/
                    """);
            assertEquals(List.of(false, false, true, true),
                    config.balancers().get("c").members().stream().map(MemberConfig::reuse).toList());
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 disablereuse=yes\n", 1,
                    "disablereuse='yes'", "expected: On or Off");
        }

        @Test
        void ttlIsPerMemberAndUnsetByDefault() {
            ProxyConfig config = ConfigReader.parse("conf/affinity.conf", """
                    <Proxy balancer://c>
                        BalancerMember http://127.0.0.1:9001 ttl=4
                        BalancerMember http://127.0.0.1:9002
                    </Proxy>
                    ProxyPass / balancer://c/
                    """);
            List<MemberConfig> members = config.balancers().get("c").members();
            assertEquals(Optional.of(Duration.ofSeconds(4)), members.get(0).ttl());
            assertEquals(Optional.empty(), members.get(1).ttl());
        }

        @Test
        void loadfactorTakesTwoDecimalsAsHttpdDoes() {
            ProxyConfig config = ConfigReader.parse("conf/affinity.conf", """
                    BalancerMember balancer://c http://127.0.0.1:9001 loadfactor=1.559
                    ProxyPass / balancer://c/
                    """);
            assertEquals(155, config.balancers().get("c").members().get(0).lbfactor(), "truncated to 1.55");
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 loadfactor=0.5\n", 1,
                    "loadfactor=0.5", "expected: a number from 1 to 100");
        }

        @Test
        void loadfactorOutOfRangeOrNotANumber() {
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 loadfactor=0\n", 1,
                    "loadfactor=0", "expected: a number from 1 to 100");
            assertRejected("\nBalancerMember balancer://c http://127.0.0.1:9001 loadfactor=101\n", 2,
                    "loadfactor=101", "expected: a number from 1 to 100");
            assertRejected("\n\nBalancerMember balancer://c http://127.0.0.1:9001 loadfactor=abc\n", 3,
                    "loadfactor='abc'", "expected: a number from 1 to 100");
        }

        @Test
        void unknownStatusFlag() {
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 status=+X\n", 1,
                    "unknown status flag 'X' in '+X'", "expected: D, S, I, H, R, E, N");
        }

        @Test
        void retryIsWholeSeconds() {
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 retry=soon\n", 1,
                    "retry='soon'", "expected: whole seconds");
        }

        @Test
        void timeoutsTakeWholeSecondsOrUnitsWhereHttpdDoes() {
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 timeout=5x\n", 1,
                    "timeout='5x'", "expected: whole seconds");
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 timeout=0\n", 1,
                    "timeout='0'", "expected: at least 1 second");
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 connectiontimeout=5x\n", 1,
                    "connectiontimeout='5x'", "expected: seconds, or a number with ms, s, mi or h");
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 ttl=0\n", 1,
                    "ttl='0'", "expected: at least 1 second");
            // httpd reads 500ms as 500 s (atoi): refused rather than read either way.
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 ttl=500ms\n", 1,
                    "ttl='500ms'", "expected: whole seconds");
            assertRejected("ProxyTimeout 0\n", 1, "ProxyTimeout='0'", "expected: at least 1 second");
            assertRejected("ProxyTimeout soon\n", 1, "ProxyTimeout='soon'", "expected: whole seconds");
        }

        @Test
        void misspelledLbmethod() {
            assertRejected("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001
                        ProxySet lbmethod=bytrafic
                    </Proxy>
                    """, 3, "lbmethod 'bytrafic'", "(expected: byrequests)");
        }

        @Test
        void proxyPassToABalancerThatIsNotDefined() {
            assertRejected(CLUSTER + """
                    ProxyPass /shop balancer://mycluter/
                    """, 6, "balancer://mycluter", "not defined", "balancer://mycluster");
        }

        @Test
        void proxyPassReverseToABalancerThatIsNotDefined() {
            assertRejected(CLUSTER + """
                    ProxyPassReverse / balancer://mycluter/
                    ServerName proxy.test
                    """, 6, "ProxyPassReverse names balancer://mycluter, which is not defined");
        }

        @Test
        void proxyPassWithOneArgument() {
            assertRejected("ProxyPass /app\n", 1, "ProxyPass needs a path and a URL",
                    "expected: ProxyPass PATH URL|! [key=value ...]");
        }

        @Test
        void proxyRequestsOnWouldMakeAForwardProxy() {
            assertRejected(CLUSTER + "ProxyRequests On\n", 6, "forward proxy", "expected: ProxyRequests Off");
        }

        @Test
        void sectionThatIsNeverClosed() {
            assertRejected("""
                    ProxyPass / balancer://mycluster/
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001
                    """, 2, "<Proxy> is never closed", "expected: </Proxy>");
        }

        @Test
        void closingTagThatDoesNotMatch() {
            assertRejected("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001
                    </Foo>
                    """, 3, "</Foo> closes <Proxy> opened at line 1", "expected: </Proxy>");
        }

        @Test
        void closingTagWithNothingOpen() {
            assertRejected(CLUSTER + "</Proxy>\n", 6, "</Proxy> closes a section that was never opened");
        }

        @Test
        void unterminatedQuote() {
            assertRejected(CLUSTER + "ProxyPassReverse / \"http://127.0.0.1:9001/\n", 6, "unterminated quote \"");
        }

        @Test
        void proxyDirectiveThatAffinityDoesNotSupport() {
            assertRejected(CLUSTER + "ProxyErrorOverride On\n", 6, "directive ProxyErrorOverride is not supported",
                    "expected one of: ProxyPass, ProxyPassMatch");
        }

        @Test
        void typoOfAKnownDirective() {
            assertRejected("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001
                    </Proxy>
                    BalancerMembr balancer://mycluster http://127.0.0.1:9002
                    """, 4, "BalancerMembr", "did you mean BalancerMember?");
            assertRejected(CLUSTER + "ProxyPas /x balancer://mycluster/\n", 6, "did you mean ProxyPass?");
            assertRejected(CLUSTER + "Timeouts 30\n", 6, "unknown directive Timeouts", "did you mean Timeout?");
        }

        @Test
        void trailingCommentIsNotAKey() {
            assertRejected("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001 route=node1 # the first node
                    </Proxy>
                    """, 2, "'#' is not key=value", "httpd has no trailing comments");
        }

        @Test
        void headerIsRefusedBecauseIgnoringItWouldChangeTraffic() {
            assertRejected(CLUSTER + "Header set X-Frame-Options SAMEORIGIN\n", 6,
                    "Header is not supported: ignoring it would change what the proxy sends");
        }

        @Test
        void memberUrlMustBeHttp() {
            assertRejected("""
                    <Proxy balancer://mycluster>
                        BalancerMember ftp://127.0.0.1:21
                    </Proxy>
                    """, 2, "has scheme 'ftp'", "expected: http:// or https://");
        }

        @Test
        void onlyOneVirtualHost() {
            assertRejected("""
                    <VirtualHost *:8080>
                        ServerName one.test
                    </VirtualHost>
                    <VirtualHost *:8081>
                        ServerName two.test
                    </VirtualHost>
                    """, 4, "a second <VirtualHost>", "the first is at " + FILE + ":1");
        }

        @Test
        void balancerMemberInsideLocation() {
            assertRejected("""
                    <Location /app>
                        SetHandler none
                        BalancerMember balancer://mycluster http://127.0.0.1:9001
                    </Location>
                    """, 3, "BalancerMember inside <Location> is not supported",
                    "expected: proxy directives at top level");
        }

        @Test
        void balancerWithNoMembers() {
            assertRejected("""
                    ServerName proxy.test
                    <Proxy balancer://empty>
                        Require all granted
                    </Proxy>
                    ProxyPass / balancer://empty/
                    ServerName proxy.test
                    """, 2, "balancer://empty has no members", "expected: at least one BalancerMember");
        }

        @Test
        void proxyPassMatchRegexThatDoesNotCompile() {
            assertRejected(CLUSTER + "ProxyPassMatch ^(/.*$ balancer://mycluster$1\n", 6,
                    "ProxyPassMatch regex '^(/.*$' does not compile");
        }

        @Test
        void nofailoverIsOnOrOff() {
            assertRejected(CLUSTER + "ProxySet balancer://mycluster nofailover=maybe\n", 6,
                    "nofailover='maybe'", "expected: On or Off");
        }

        @Test
        void errorInAContinuedDirectiveIsReportedAtItsFirstLine() {
            assertRejected("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001 route=node1
                        BalancerMember http://127.0.0.1:9002 \\
                            route=node2 \\
                            loadfactor=0
                    </Proxy>
                    """, 3, "loadfactor=0");
        }

        @Test
        void listenProtocolOtherThanHttp() {
            assertRejected(CLUSTER + "Listen 8443 https\n", 6, "Listen protocol 'https' is not supported",
                    "expected: http");
        }

        @Test
        void configWithoutProxyPass() {
            assertRejected("""
                    <Proxy balancer://mycluster>
                        BalancerMember http://127.0.0.1:9001
                    </Proxy>
                    """, 3, "no ProxyPass or ProxyPassMatch: nothing would be proxied");
        }

        @Test
        void orderAloneDeniesInHttpdSoItIsRefused() {
            assertRejected("""
                    <Proxy balancer://c>
                        BalancerMember http://127.0.0.1:9001
                        Order allow,deny
                    </Proxy>
                    ProxyPass / balancer://c/
                    """, 3, "Order");
            parse("""
                    <Proxy balancer://c>
                        BalancerMember http://127.0.0.1:9001
                        Order allow,deny
                        Allow from all
                    </Proxy>
                    ProxyPass / balancer://c/
                    """);
        }

        @Test
        void aDirectiveThatWouldChangeProxiedTrafficIsRefusedInsideLocation() {
            assertRejected("""
                    ProxyPass / http://127.0.0.1:9001/
                    <Location /admin>
                        Header set X-Frame-Options DENY
                    </Location>
                    """, 3, "Header inside <Location>", "cannot apply it to proxied requests");
            assertRejected("""
                    ProxyPass / http://127.0.0.1:9001/
                    <Location /admin>
                        <IfModule mod_headers.c>
                            RequestHeader unset Cookie
                        </IfModule>
                    </Location>
                    """, 4, "RequestHeader inside <Location>");
            parse("""
                    ProxyPass / http://127.0.0.1:9001/
                    <Directory /var/www>
                        RewriteEngine On
                    </Directory>
                    """);
        }

        @Test
        void oneMemberWrittenWithAndWithoutItsSlashIsStillTwice() {
            assertRejected("""
                    <Proxy balancer://c>
                        BalancerMember http://127.0.0.1:9001
                        BalancerMember http://127.0.0.1:9001/
                    </Proxy>
                    ProxyPass / balancer://c/
                    """, 3, "twice");
        }

        @Test
        void failonstatusTakesHttpStatusCodes() {
            ProxyConfig config = parse("""
                    <Proxy balancer://c>
                        BalancerMember http://127.0.0.1:9001
                        ProxySet failonstatus=503,502 failontimeout=On
                    </Proxy>
                    ProxyPass / balancer://c/
                    """);
            assertEquals(Set.of(502, 503), config.balancers().get("c").failOnStatus());
            assertTrue(config.balancers().get("c").failOnTimeout());
            assertRejected("ProxySet balancer://c failonstatus=abc\n", 1, "failonstatus='abc'",
                    "expected: one or more HTTP status codes");
            assertRejected("ProxySet balancer://c failonstatus=503,99\n", 1, "failonstatus='503,99'");
        }

        @Test
        void healthCheckKeysAndProxyHCExpr() {
            ProxyConfig config = parse("""
                    ProxyHCExpr ok234 {%{REQUEST_STATUS} =~ /^[234]/}
                    <Proxy balancer://c>
                        BalancerMember http://127.0.0.1:9001 hcmethod=GET hcuri=/health hcinterval=5 hcpasses=2 hcfails=3 hcexpr=ok234
                    </Proxy>
                    ProxyPass / balancer://c/
                    """);
            var check = config.balancers().get("c").members().get(0).healthCheck().orElseThrow();
            assertEquals(dev.affinity.proxy.balancer.HealthCheck.Method.GET, check.method());
            assertEquals("/health", check.uri());
            assertEquals(Duration.ofSeconds(5), check.interval());
            assertEquals(2, check.passes());
            assertEquals(3, check.fails());
            assertEquals(Optional.of("ok234"), check.expr());
            assertRejected("""
                    <Proxy balancer://c>
                        BalancerMember http://127.0.0.1:9001 hcmethod=GET hcexpr=missing
                    </Proxy>
                    ProxyPass / balancer://c/
                    """, 4, "hcexpr=missing, which no ProxyHCExpr defines");
            assertRejected("BalancerMember balancer://c http://127.0.0.1:9001 hcmethod=PATCH\n", 1,
                    "hcmethod='PATCH'", "expected: None, TCP, OPTIONS, HEAD or GET");
            assertRejected("ProxyHCExpr bad {hc('headers') =~ /x/}\n", 1,
                    "ProxyHCExpr '{hc('headers') =~ /x/}': at column 2", "expected: hc('body')");
            assertRejected("ProxyHCExpr bad {%{REQUEST_STATUS} =~ /^[23/}\n", 1, "does not compile");
        }

        @Test
        void proxyHCExprTakesItsExpressionVerbatimAsHttpdDoes() {
            // Quotes, braces and runs of spaces belong to ap_expr: the config syntax must not eat them.
            ProxyConfig config = parse("""
                    ProxyHCExpr in_maint {hc('body') !~ /Under  maintenance/}
                    ProxyHCExpr listed   {%{REQUEST_STATUS} in { '200', "204" } && hc('body') =~ m#"up"#i}
                    ProxyPass / http://127.0.0.1:9001/
                    """);
            HealthExpression maint = config.healthExpressions().get("in_maint");
            assertEquals("{hc('body') !~ /Under  maintenance/}", maint.source());
            assertTrue(maint.passes(new HealthExpression.Response(200, "Under maintenance")));
            assertFalse(maint.passes(new HealthExpression.Response(200, "Under  maintenance")));
            HealthExpression listed = config.healthExpressions().get("listed");
            assertTrue(listed.passes(new HealthExpression.Response(204, "{\"status\":\"UP\"}")));
            assertFalse(listed.passes(new HealthExpression.Response(202, "{\"status\":\"UP\"}")));
            assertRejected("ProxyHCExpr lonely\n", 1, "ProxyHCExpr takes a name and an expression");
        }

        @Test
        void aPortOutsideTheTcpRangeIsRefused() {
            assertRejected("BalancerMember balancer://c http://127.0.0.1:118081\n", 1,
                    "has port 118081", "expected: a port from 1 to 65535");
            assertRejected("ProxyPass / http://127.0.0.1:70000/\n", 1, "has port 70000");
        }

        @Test
        void traceEnableTakesOnOffOrExtended() {
            assertRejected("TraceEnable maybe\n", 1, "TraceEnable 'maybe'", "expected: On, Off or extended");
        }

        private static void assertRejected(String text, int line, String... says) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
            String message = e.getMessage();
            assertTrue(message.startsWith(FILE + ":" + line + ": "), () -> "expected at line " + line + ": " + message);
            for (String s : says) {
                assertTrue(message.contains(s), () -> "expected '" + s + "' in: " + message);
            }
        }
    }
}
