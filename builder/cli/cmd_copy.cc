// dlimage copy SRC DST: oci:DIR[:TAG] <-> docker://REF, any direction.
#include <iostream>

#include "builder/cli/command.h"
#include "builder/cli/output_flags.h"
#include "builder/cli/registry_flags.h"
#include "builder/copy/copy.h"

namespace dl::cli {
namespace {

struct CopyArgs {
  std::string src, dst;
  registry::SessionOptions reg;
  OutputOptions out;
};

Registration reg("copy", "Copy an image between OCI layouts (oci:DIR[:TAG]) and registries (docker://REF)",
                 [](CLI::App& app) -> Runner {
                   auto a = std::make_shared<CopyArgs>();
                   app.add_option("SRC", a->src, "oci:DIR[:TAG] or docker://REF")->required();
                   app.add_option("DST", a->dst, "oci:DIR[:TAG] or docker://REF")->required();
                   add_registry_flags(app, a->reg);
                   a->out.add_to(app);
                   return [a]() {
                     auto src = get(copy::parse_endpoint(a->src));
                     auto dst = get(copy::parse_endpoint(a->dst));
                     auto session = get(registry::Session::open(a->reg));
                     auto r = get(copy::copy_image(*session, src, dst));
                     if (a->out.json) {
                       auto j = json_document("copy");
                       j.update({{"source", a->src},
                                 {"destination", a->dst},
                                 {"digest", r.digest.str()},
                                 {"media_type", r.media_type},
                                 {"blobs", r.blobs},
                                 {"blobs_copied", r.blobs_copied},
                                 {"blobs_existing", r.blobs_existing},
                                 {"blobs_mounted", r.blobs_mounted},
                                 {"bytes", r.bytes}});
                       std::cout << j.dump(2) << "\n";
                       return 0;
                     }
                     if (a->out.quiet) {  // the digest, for scripts: DIGEST=$(dlimage copy -q ...)
                       std::cout << r.digest.str() << "\n";
                       return 0;
                     }
                     std::cout << "copied " << a->src << " -> " << a->dst << "\n"
                               << "digest: " << r.digest.str() << "\n"
                               << "media type: " << r.media_type << "\n"
                               << "blobs: " << r.blobs << " (" << r.blobs_copied << " copied, " << r.blobs_existing
                               << " already present, " << r.blobs_mounted << " mounted), " << r.bytes << " bytes\n";
                     return 0;
                   };
                 });

}  // namespace
}  // namespace dl::cli
