"""Question files with formatting and images, for the tests of formatted question text."""

from __future__ import annotations

import base64
import io
import os
import zipfile

from PIL import Image


def picture(kind: str = "PNG", size: tuple[int, int] = (6, 4), noise: bool = False) -> bytes:
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def moodle_file(
    *,
    image: bytes | None = None,
    image_name: str = "diagram.png",
    reference: str = "diagram.png",
) -> bytes:
    """A Moodle XML file of one single-choice question whose text has a script, an onerror
    handler, a javascript: link, a style attribute, bold, a table and (with ``image``) an image
    embedded as Moodle writes it; option B is bold and option C is an image too."""
    file = (
        f'<file name="{image_name}" path="/" encoding="base64">'
        f"{base64.b64encode(image).decode()}</file>"
        if image is not None
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>拓扑</text></name>
    <questiontext format="html">
      <text><![CDATA[<p style="color:red" onclick="steal()">下图是<strong>哪种</strong>拓扑？</p>
<script>window.hacked = true;</script>
<p><img src="@@PLUGINFILE@@/{reference}" alt="网络图" width="120" onerror="steal()"></p>
<table><tr><th>节点</th><th>连线</th></tr><tr><td>4</td><td>4</td></tr></table>
<p><a href="javascript:steal()">参考</a></p>]]></text>
      {file}
    </questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>环形：<em>首尾相连</em>。</p>]]></text>
    </generalfeedback>
    <defaultgrade>2</defaultgrade>
    <single>true</single>
    <answer fraction="0" format="html"><text>星形</text></answer>
    <answer fraction="100" format="html"><text><![CDATA[<p><b>环形</b></p>]]></text></answer>
    <answer fraction="0" format="html"><text>总线</text></answer>
  </question>
</quiz>
""".encode()


ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="pic"
    title="图" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>B</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <p>图中是<strong>几</strong>台主机？</p>
    <p><img src="{src}" alt="主机" width="80" height="40"/></p>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">
      <simpleChoice identifier="A">两台</simpleChoice>
      <simpleChoice identifier="B"><img src="{src}" alt="三台"/> 三台</simpleChoice>
    </choiceInteraction>
  </itemBody>
</assessmentItem>
"""

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m">
  <resources>
    <resource identifier="pic" type="imsqti_item_xmlv2p1" href="items/pic.xml">
      <file href="items/pic.xml"/><file href="items/media/hosts%201.png"/>
    </resource>
  </resources>
</manifest>
"""


def qti_package(image: bytes, src: str = "", name: str = "hosts 1.png") -> bytes:
    """A QTI 2.1 content package of one item whose text and one choice show an image that the
    package holds at ``items/media/`` + ``name`` (the item names it relative to itself, as a
    URI reference, unless ``src`` says otherwise)."""
    src = src or "media/" + name.replace(" ", "%20")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("items/pic.xml", ITEM.format(src=src))
        archive.writestr(f"items/media/{name}", image)
    return buffer.getvalue()
