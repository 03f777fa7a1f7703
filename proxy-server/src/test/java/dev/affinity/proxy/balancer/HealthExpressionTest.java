package dev.affinity.proxy.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The ap_expr of ProxyHCExpr, as httpd's mod_proxy_hcheck documents it, and a clear refusal of the rest. */
class HealthExpressionTest {

    private static boolean passes(String expression, int status, String body) {
        return HealthExpression.parse(expression).passes(new HealthExpression.Response(status, body));
    }

    private static boolean passes(String expression, int status) {
        return passes(expression, status, "");
    }

    @Test
    void httpdsOwnExamples() {
        // mod_proxy_hcheck's documentation: ok234, gdown, in_maint
        assertTrue(passes("{%{REQUEST_STATUS} =~ /^[234]/}", 302));
        assertFalse(passes("{%{REQUEST_STATUS} =~ /^[234]/}", 503));
        assertTrue(passes("{%{REQUEST_STATUS} =~ /^[5]/}", 500));
        assertTrue(passes("{hc('body') !~ /Under maintenance/}", 200, "all good"));
        assertFalse(passes("{hc('body') !~ /Under maintenance/}", 200, "<h1>Under maintenance</h1>"));
    }

    @Test
    void integerAndStringComparisons() {
        assertTrue(passes("{%{REQUEST_STATUS} -lt 400}", 399));
        assertFalse(passes("{%{REQUEST_STATUS} -lt 400}", 400));
        assertTrue(passes("{%{REQUEST_STATUS} -ge 200 && %{REQUEST_STATUS} -le 299}", 204));
        assertTrue(passes("{%{REQUEST_STATUS} == '200'}", 200));
        assertTrue(passes("{%{REQUEST_STATUS} != \"200\"}", 201));
        assertTrue(passes("{hc('body') < 'b'}", 200, "a"));
        assertFalse(passes("{hc('body') -eq 1}", 200, "one"), "as in ap_expr, a non-integer makes -eq false");
        assertTrue(passes("{hc('body') -eq 1}", 200, " 1\n"));
    }

    @Test
    void listsEmptinessAndRegexForms() {
        assertTrue(passes("{%{REQUEST_STATUS} in {'200', '204'}}", 204));
        assertFalse(passes("{%{REQUEST_STATUS} in {'200', '204'}}", 202));
        assertTrue(passes("{-n hc('body')}", 200, "x"));
        assertTrue(passes("{-z hc('body')}", 200, ""));
        assertTrue(passes("{hc('body') =~ /STATUS: up/i}", 200, "status: UP"));
        assertTrue(passes("{hc('body') =~ m#\"up\"#}", 200, "{\"s\":\"up\"}"));
        assertTrue(passes("{hc('body') =~ /a\\/b/}", 200, "a/b"), "an escaped delimiter");
    }

    @Test
    void booleanOperatorsWithHttpdsPrecedence() {
        assertTrue(passes("{!(%{REQUEST_STATUS} -ge 500)}", 404));
        assertFalse(passes("{! %{REQUEST_STATUS} -eq 503}", 503));
        // && binds tighter than ||
        assertTrue(passes("{true || false && false}", 200));
        assertFalse(passes("{(true || false) && false}", 200));
        assertTrue(passes("%{REQUEST_STATUS} -eq 200", 200), "the braces are optional");
    }

    @Test
    void onlyExpressionsThatReadTheBodyMakeTheCheckReadIt() {
        assertFalse(HealthExpression.parse("{%{REQUEST_STATUS} =~ /^2/}").readsBody());
        assertTrue(HealthExpression.parse("{%{REQUEST_STATUS} =~ /^2/ && hc('body') =~ /ok/}").readsBody());
    }

    @Test
    void whatAHealthCheckCannotUseIsRefusedWithItsPosition() {
        assertRefused("{%{HTTP_HOST} == 'a'}", "at column 2", "%{HTTP_HOST} is not available to a health check");
        assertRefused("{tolower(hc('body')) == 'a'}", "at column 2", "is not available to a health check");
        assertRefused("{%{REQUEST_STATUS} -lt}", "at column 23", "expected a value");
        assertRefused("{%{REQUEST_STATUS}}", "expected a test after the value");
        assertRefused("{%{REQUEST_STATUS} =~ /^[23/}", "does not compile");
        assertRefused("{%{REQUEST_STATUS} =~ /^2}", "unterminated regular expression");
        assertRefused("{hc('body') == 'up}", "unterminated string");
        assertRefused("{hc('body') == 'v%{REQUEST_STATUS}'}", "variables inside strings are not supported");
        assertRefused("{%{REQUEST_STATUS} =~ /^2/", "expected '}'");
        assertRefused("{up == 'a'}", "'up' is neither a number nor a quoted string");
        assertEquals("{%{REQUEST_STATUS} -lt 400}", HealthExpression.parse("{%{REQUEST_STATUS} -lt 400}").source());
    }

    private static void assertRefused(String expression, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HealthExpression.parse(expression));
        assertTrue(e.getMessage().startsWith("ProxyHCExpr '" + expression + "'"), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        }
    }
}
