// Compiles Boost.Asio's SSL part once for the whole library (BOOST_ASIO_SEPARATE_COMPILATION),
// for HttpClient's https. It must stay the only translation unit that includes this header.
#include <boost/asio/ssl/impl/src.hpp>
