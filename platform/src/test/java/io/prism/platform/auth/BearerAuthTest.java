package io.prism.platform.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.auth.BearerAuth.Outcome;
import org.junit.jupiter.api.Test;

class BearerAuthTest {
    private final BearerAuth auth = new BearerAuth(ApiTokens.parse("farm:farm-secret-1:submit,viewer:viewer-secret-1:read,ops:ops-secret-1:admin"));

    @Test
    void aTokenWithTheScopeIsLetThroughWithItsPrincipal() {
        Outcome o = auth.check("Bearer farm-secret-1", Scope.SUBMIT);
        assertThat(o.allowed()).isTrue();
        assertThat(o.principal().name()).isEqualTo("farm");
        assertThat(auth.check("bearer   ops-secret-1 ", Scope.READ).principal().name()).as("scheme case-insensitive, admin implies read").isEqualTo("ops");
    }

    @Test
    void eachRefusalSaysWhichRuleFailed() {
        assertRefused(auth.check(null, Scope.READ), 401, "missing_token");
        assertRefused(auth.check("Basic dXNlcjpwYXNz", Scope.READ), 401, "missing_token");
        assertRefused(auth.check("Bearer ", Scope.READ), 401, "missing_token");
        assertRefused(auth.check("Bearer not-a-known-token", Scope.READ), 401, "wrong_token");
        Outcome scope = auth.check("Bearer viewer-secret-1", Scope.SUBMIT);
        assertRefused(scope, 403, "missing_scope");
        assertThat(scope.refusal().detail()).contains("viewer").contains("'submit'");
    }

    @Test
    void anonymousAccessOnlyForTheAllowedScopeAndNeverWithABadToken() {
        BearerAuth publicRead = auth.allowingAnonymous(Scope.READ);
        Outcome anonymous = publicRead.check(null, Scope.READ);
        assertThat(anonymous.allowed()).isTrue();
        assertThat(anonymous.principal()).isNull();
        assertRefused(publicRead.check(null, Scope.ADMIN), 401, "missing_token");
        assertRefused(publicRead.check("Bearer not-a-known-token", Scope.READ), 401, "wrong_token");
    }

    private static void assertRefused(Outcome o, int status, String code) {
        assertThat(o.allowed()).isFalse();
        assertThat(o.refusal().status()).isEqualTo(status);
        assertThat(o.refusal().extensions()).containsEntry("code", code);
        assertThat(o.refusal().detail()).isNotBlank();
    }
}
