#include "api/router.h"

#include <gtest/gtest.h>

namespace straits::api {
namespace {

Result<Response> Ok(Context&) { return Response{}; }

TEST(Router, MatchesParamsAndMethods) {
  Router router;
  router.Add({"GET", "/v1/sites", true, Ok});
  router.Add({"POST", "/v1/sites", true, Ok});
  router.Add({"GET", "/v1/sites/{id}", true, Ok});
  auto m = router.Find("GET", "/v1/sites/sg-1");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("id"), "sg-1");
  EXPECT_EQ(router.Find("POST", "/v1/sites").route->method, "POST");
  EXPECT_NE(router.Find("HEAD", "/v1/sites").route, nullptr);
  auto wrong = router.Find("DELETE", "/v1/sites");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_EQ(wrong.allowed_methods, "GET, POST");
  auto none = router.Find("GET", "/v1/sites/sg-1/extra");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allowed_methods.empty());
  EXPECT_EQ(router.Find("GET", "/v1/sites/").route, nullptr);
}

}  // namespace
}  // namespace straits::api
