// cosign signatures through an ImageStore (here an OCI layout: the same
// calls a registry repository answers): attach keeps other signatures and is
// a no-op when the same key already signed the same payload; check finds
// exactly the valid ones; the payload parser is as strict as containers/image.
#include <gtest/gtest.h>

#include "base/fs.h"
#include "builder/layout/layout_store.h"
#include "builder/sign/cosign.h"
#include "tests/support/process.h"

namespace dl::sign {
namespace {

PrivateKey make_key(const fs::path& dir, const std::string& name) {
  auto r = test::run({"openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", (dir / name).string()});
  EXPECT_TRUE(r.ok() && r->ok());
  auto k = PrivateKey::load((dir / name).string(), "");
  EXPECT_TRUE(k.ok()) << k.error().message();
  return std::move(*k);
}

TEST(CosignStore, AttachIsIdempotentPerKeyAndKeepsOthers) {
  TempDir t;
  auto l = layout::Layout::open_or_create(t.path() / "oci");
  ASSERT_TRUE(l.ok());
  layout::LayoutStore store(std::move(*l));
  auto a = make_key(t.path(), "a.key"), b = make_key(t.path(), "b.key");
  Digest img = Digest::of("an image manifest");
  const std::string ref = "127.0.0.1:5000/team/app:1.0";

  auto first = attach_signature(store, ref, img, a);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(*first);
  auto head1 = store.head_manifest(signature_tag(img));
  ASSERT_TRUE(head1.ok());
  auto again = attach_signature(store, ref, img, a);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "the same key over the same payload signs once";
  EXPECT_EQ(store.head_manifest(signature_tag(img))->digest, head1->digest) << "nothing rewritten";

  ASSERT_TRUE(attach_signature(store, ref, img, b).ok());
  ASSERT_TRUE(attach_signature(store, "127.0.0.1:5000/team/app:latest", img, a).ok());
  auto pa = a.public_key(), pb = b.public_key();
  ASSERT_TRUE(pa.ok() && pb.ok());
  auto ca = check_signatures(store, ref, img, *pa);
  ASSERT_TRUE(ca.ok()) << ca.error().message();
  EXPECT_EQ(ca->signatures, 3);
  EXPECT_EQ(ca->valid, 2) << "a signed both tags (same repository); b's layer does not verify with a";
  auto cb = check_signatures(store, ref, img, *pb);
  ASSERT_TRUE(cb.ok());
  EXPECT_EQ(cb->valid, 1);

  auto other_repo = check_signatures(store, "127.0.0.1:5000/team/other:1.0", img, *pa);
  ASSERT_TRUE(other_repo.ok());
  EXPECT_EQ(other_repo->valid, 0) << "a signature names its repository";
  auto missing = check_signatures(store, ref, Digest::of("another"), *pa);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(store::is_not_found(missing.error()));
}

TEST(CosignPayload, MatchesCosignAndParsesStrictly) {
  Digest d = Digest::of("m");
  std::string p = simple_signing_payload("docker.io/team/app:1", d);
  EXPECT_EQ(p,
            "{\"critical\":{\"identity\":{\"docker-reference\":\"docker.io/team/app:1\"},\"image\":{\"docker-manifest-"
            "digest\":\"" +
                d.str() + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}");
  auto parsed = parse_payload(p, "p");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->docker_reference, "docker.io/team/app:1");
  EXPECT_EQ(parsed->manifest, d);
  for (const std::string& bad : std::vector<std::string>{
           "[]", "{\"critical\":{}}",
           "{\"critical\":{\"identity\":{\"docker-reference\":\"x\"},\"image\":{\"docker-manifest-digest\":\"" +
               d.str() + "\"},\"type\":\"other\"},\"optional\":null}",
           "{\"critical\":{\"identity\":{\"docker-reference\":\"x\",\"extra\":1},\"image\":{\"docker-manifest-"
           "digest\":\"" +
               d.str() + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
           "{\"critical\":{\"identity\":{\"docker-reference\":\"x\"},\"image\":{\"docker-manifest-digest\":"
           "\"sha256:zz\"},\"type\":\"cosign container image signature\"},\"optional\":null}",
           p.substr(0, p.size() - 1) + ",\"more\":1}"})
    EXPECT_FALSE(parse_payload(bad, "p").ok()) << bad;
}

}  // namespace
}  // namespace dl::sign
