#include "core/status.h"

#include <gtest/gtest.h>

namespace straits {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgument("must be positive", "count");
  return v;
}

Status Doubles(int v, int& out) {
  STRAITS_ASSIGN_OR_RETURN(int parsed, ParsePositive(v));
  out = parsed * 2;
  return Status::Ok();
}

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(Status, ToStringNamesCodeFieldAndMessage) {
  EXPECT_EQ(InvalidArgument("unknown country code \"XX\"", "country").ToString(),
            "invalid_argument: country: unknown country code \"XX\"");
  EXPECT_EQ(NotFound("no such site").ToString(), "not_found: no such site");
}

TEST(Status, FieldPrefixJoinsPaths) {
  EXPECT_EQ(InvalidArgument("x", "country").WithFieldPrefix("sites[2]").field(),
            "sites[2].country");
  EXPECT_EQ(InvalidArgument("x", "[3]").WithFieldPrefix("nodes").field(), "nodes[3]");
  EXPECT_EQ(InvalidArgument("x").WithFieldPrefix("gpus").field(), "gpus");
  EXPECT_TRUE(Status().WithFieldPrefix("x").field().empty());
}

TEST(Status, EveryCodeHasASnakeCaseName) {
  EXPECT_EQ(StatusCodeName(StatusCode::kFailedPrecondition), "failed_precondition");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "resource_exhausted");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnauthenticated), "unauthenticated");
}

TEST(Result, PropagatesErrorsThroughMacros) {
  int out = 0;
  EXPECT_TRUE(Doubles(4, out).ok());
  EXPECT_EQ(out, 8);
  Status s = Doubles(-1, out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "count");
}

TEST(Result, HoldsValueOrStatus) {
  Result<std::string> r = std::string("abc");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 3u);
  Result<std::string> e = NotFound("gone");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace straits
